"""Ready-made structural specifications of national customer satisfaction indices.

Each :class:`CsiModelSpec` names its constructs in English and Chinese and lists
its structural paths; the user maps survey columns to constructs and calls
:meth:`CsiModelSpec.fit`, which runs :func:`servgap.core.csi.csi_model`.

* :data:`ACSI` — American Customer Satisfaction Index (Fornell et al. 1996,
  Figure 1): customer expectations, perceived quality, perceived value →
  satisfaction → complaints, loyalty.
* :data:`ECSI` — European CSI as estimated by Tenenhaus et al. (2005, Fig. 1)
  and R plspm's ``satisfaction`` example (image, expectation, quality, value,
  satisfaction, complaint, loyalty; the plspm example omits complaint).
* :data:`CCSI` — China CSI (Tsinghua University China Business Research Center;
  the model behind GB/T 19038-2009 *顾客满意测评模型和方法指南*): brand image,
  expected quality, perceived quality, perceived value, satisfaction, loyalty.
  The standard describes the model in prose and figures that vary between
  editions; the paths here follow the commonly published CCSI diagram (image →
  expected quality, perceived quality, satisfaction, loyalty; expected quality →
  perceived quality, perceived value, satisfaction; perceived quality →
  perceived value, satisfaction; perceived value → satisfaction; satisfaction →
  loyalty). Adjust ``paths`` if your edition differs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from servgap.core._result import ResultMixin
from servgap.core.csi import CsiResult, Scheme, csi_model
from servgap.core.errors import SpecError


@dataclass(frozen=True)
class Construct(ResultMixin):
    """One latent construct: stable code plus English and Chinese names."""

    code: str
    en: str
    zh: str


@dataclass(frozen=True)
class CsiModelSpec(ResultMixin):
    """A named CSI structural model: constructs and paths (by construct code)."""

    code: str
    name_en: str
    name_zh: str
    constructs: tuple[Construct, ...]
    paths: tuple[tuple[str, str], ...]
    reference: str

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.constructs)

    def blocks(
        self, indicators: Mapping[str, Sequence[str]], *, require_all: bool = False
    ) -> dict[str, list[str]]:
        """Validate a construct → indicator-columns mapping against this model.

        Constructs left out (e.g. complaints when the survey has no complaint
        item) are dropped together with their paths when ``require_all`` is
        False; unknown construct codes are an error.
        """
        unknown = sorted(set(indicators) - set(self.codes))
        if unknown:
            raise SpecError(
                f"{self.code}: unknown construct(s) {unknown}; known: {list(self.codes)}.",
                f"{self.code}：未知潜变量 {unknown}；已知：{list(self.codes)}。",
            )
        missing = [c for c in self.codes if c not in indicators]
        if missing and require_all:
            raise SpecError(
                f"{self.code}: no indicators given for construct(s) {missing}.",
                f"{self.code}：潜变量 {missing} 没有指标。",
            )
        return {c: list(indicators[c]) for c in self.codes if c in indicators}

    def paths_for(self, constructs: Sequence[str]) -> list[tuple[str, str]]:
        """The model's paths among the given constructs."""
        keep = set(constructs)
        return [(a, b) for a, b in self.paths if a in keep and b in keep]

    def fit(
        self,
        data: pd.DataFrame,
        indicators: Mapping[str, Sequence[str]],
        *,
        scheme: Scheme = "path",
        scaled: bool = True,
        bootstrap: int = 0,
        seed: int | None = 0,
        scale_ranges: Mapping[str, tuple[float, float]] | tuple[float, float] | None = None,
        max_iter: int = 300,
        tol: float = 1e-7,
    ) -> CsiResult:
        """Estimate this model with :func:`servgap.core.csi.csi_model`."""
        blocks = self.blocks(indicators)
        return csi_model(
            data,
            blocks,
            self.paths_for(list(blocks)),
            scheme=scheme,
            scaled=scaled,
            bootstrap=bootstrap,
            seed=seed,
            scale_ranges=scale_ranges,
            max_iter=max_iter,
            tol=tol,
        )


ACSI = CsiModelSpec(
    code="acsi",
    name_en="American Customer Satisfaction Index",
    name_zh="美国顾客满意度指数",
    constructs=(
        Construct("expectations", "Customer expectations", "顾客预期"),
        Construct("quality", "Perceived quality", "感知质量"),
        Construct("value", "Perceived value", "感知价值"),
        Construct("satisfaction", "Customer satisfaction (ACSI)", "顾客满意度"),
        Construct("complaints", "Customer complaints", "顾客抱怨"),
        Construct("loyalty", "Customer loyalty", "顾客忠诚"),
    ),
    paths=(
        ("expectations", "quality"),
        ("expectations", "value"),
        ("expectations", "satisfaction"),
        ("quality", "value"),
        ("quality", "satisfaction"),
        ("value", "satisfaction"),
        ("satisfaction", "complaints"),
        ("satisfaction", "loyalty"),
        ("complaints", "loyalty"),
    ),
    reference=(
        "Fornell, C., Johnson, M. D., Anderson, E. W., Cha, J. & Bryant, B. E. (1996). The "
        "American Customer Satisfaction Index: nature, purpose, and findings. J. Marketing "
        "60(4), 7-18, Figure 1."
    ),
)

ECSI = CsiModelSpec(
    code="ecsi",
    name_en="European Customer Satisfaction Index",
    name_zh="欧洲顾客满意度指数",
    constructs=(
        Construct("image", "Image", "企业形象"),
        Construct("expectation", "Customer expectation", "顾客预期"),
        Construct("quality", "Perceived quality", "感知质量"),
        Construct("value", "Perceived value", "感知价值"),
        Construct("satisfaction", "Customer satisfaction", "顾客满意度"),
        Construct("complaint", "Complaint", "顾客抱怨"),
        Construct("loyalty", "Loyalty", "顾客忠诚"),
    ),
    paths=(
        ("image", "expectation"),
        ("image", "satisfaction"),
        ("image", "loyalty"),
        ("expectation", "quality"),
        ("expectation", "value"),
        ("expectation", "satisfaction"),
        ("quality", "value"),
        ("quality", "satisfaction"),
        ("value", "satisfaction"),
        ("satisfaction", "complaint"),
        ("satisfaction", "loyalty"),
        ("complaint", "loyalty"),
    ),
    reference=(
        "Tenenhaus, M., Esposito Vinzi, V., Chatelin, Y.-M. & Lauro, C. (2005). PLS path "
        "modeling. Computational Statistics & Data Analysis 48, 159-205, Figure 1 (ECSI)."
    ),
)

CCSI = CsiModelSpec(
    code="ccsi",
    name_en="China Customer Satisfaction Index",
    name_zh="中国顾客满意度指数",
    constructs=(
        Construct("brand_image", "Brand image", "品牌形象"),
        Construct("expected_quality", "Expected quality", "预期质量"),
        Construct("perceived_quality", "Perceived quality", "感知质量"),
        Construct("perceived_value", "Perceived value", "感知价值"),
        Construct("satisfaction", "Customer satisfaction", "顾客满意度"),
        Construct("loyalty", "Customer loyalty", "顾客忠诚"),
    ),
    paths=(
        ("brand_image", "expected_quality"),
        ("brand_image", "perceived_quality"),
        ("brand_image", "satisfaction"),
        ("brand_image", "loyalty"),
        ("expected_quality", "perceived_quality"),
        ("expected_quality", "perceived_value"),
        ("expected_quality", "satisfaction"),
        ("perceived_quality", "perceived_value"),
        ("perceived_quality", "satisfaction"),
        ("perceived_value", "satisfaction"),
        ("satisfaction", "loyalty"),
    ),
    reference=(
        "GB/T 19038-2009 顾客满意测评模型和方法指南; GB/T 19039-2009 顾客满意测评通则; "
        "Tsinghua University China Business Research Center CCSI model (paths as in the "
        "commonly published diagram; see module docstring)."
    ),
)

MODELS: dict[str, CsiModelSpec] = {m.code: m for m in (ACSI, ECSI, CCSI)}

__all__ = ["ACSI", "CCSI", "ECSI", "MODELS", "Construct", "CsiModelSpec"]

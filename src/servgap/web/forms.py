"""Posted forms shared by the pages: the form parsed once on the event loop (the route then
runs in a worker thread), and a text field with a length limit that names the field."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.datastructures import FormData
from starlette.requests import Request

from servgap.core.errors import InputError


async def form_data(request: Request) -> FormData:
    """The posted form (parsed on the event loop; the route runs in a worker thread)."""
    return await request.form()


Form = Annotated[FormData, Depends(form_data)]


def form_text(form: FormData, name: str, *, limit: int) -> str:
    """A text field of the form ('' when absent), refused when longer than ``limit``."""
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    if len(value) > limit:
        raise InputError(
            f"`{name}` is longer than {limit} characters.",
            f"`{name}` 超过 {limit} 个字符。",
            fields=(name,),
        )
    return value

// Copy the pinned front-end packages (package-lock.json) into servgap's static files.
// Run `npm ci && npm run build` here; `make` does it when the files are missing.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "src", "servgap", "web", "static", "vendor");
const files = [
  ["htmx.org", "dist/htmx.min.js", "htmx.min.js"],
  ["htmx.org", "LICENSE", "htmx.LICENSE.txt"],
  ["echarts", "dist/echarts.min.js", "echarts.min.js"],
  ["echarts", "LICENSE", "echarts.LICENSE.txt"],
];
mkdirSync(out, { recursive: true });
const versions = {};
for (const [pkg, src, dest] of files) {
  copyFileSync(join(here, "node_modules", pkg, src), join(out, dest));
  versions[pkg] = JSON.parse(readFileSync(join(here, "node_modules", pkg, "package.json"))).version;
}
writeFileSync(join(out, "VERSIONS.json"), JSON.stringify(versions, null, 2) + "\n");
console.log(`vendor files in ${out}:`, versions);

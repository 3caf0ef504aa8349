"""Screenshot of the seeds' HTML view for README: builds the seeds' graph with kg's real pipeline,
writes the page with ``kg view``'s library function, opens it in headless Chromium (Debian's
chromium and chromium-driver, as the tests do), clicks one relation so the evidence panel shows,
and saves a PNG.

    python scripts/view_screenshot.py --out docs/seeds-view.png
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the tests' way of starting Chromium, not a copy of it

from conftest_browser import console_errors, open_view, start_chromium  # noqa: E402

from kg.pipeline import build_graph_json  # noqa: E402
from kg.sinks.html import write_html  # noqa: E402


def _relation_to_show(graph: dict) -> str | None:
    """The relation with the most evidence sentences, between the most mentioned entities among
    those: the panel then shows what a reader most likely looks for first."""
    mentions = {n["id"]: n.get("mentions", 0) for n in graph["nodes"] if n["kind"] == "entity"}
    relations = [e for e in graph["edges"] if e["source"] in mentions and e["target"] in mentions and e.get("evidence")]
    key = lambda e: (len(e["evidence"]), mentions[e["source"]] + mentions[e["target"]], e["id"])
    return max(relations, key=key, default={}).get("id")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="*", default=[str(ROOT / "seeds")], help="documents (default: the seeds)")
    parser.add_argument("--out", default=str(ROOT / "docs" / "seeds-view.png"), help="the PNG to write")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=1000)
    args = parser.parse_args()

    graph, _summary = build_graph_json(args.inputs)
    with tempfile.TemporaryDirectory(prefix="kg-view-") as folder:
        page = Path(folder) / "seeds.html"
        write_html(graph, page, title="kg view — the seed articles")
        driver = start_chromium(Path(folder) / "profile", width=args.width, height=args.height)
        try:
            open_view(driver, page)
            edge = _relation_to_show(graph)
            if edge:  # a real click on the edge's middle, as a reader would
                from selenium.webdriver.common.action_chains import ActionChains

                point = driver.execute_script("return window.kgView.edgePoint(arguments[0])", edge)
                box = driver.execute_script("var r = document.getElementById('graph').getBoundingClientRect(); return [r.left, r.top];")
                actions = ActionChains(driver)
                actions.w3c_actions.pointer_action.move_to_location(int(box[0] + point["x"]), int(box[1] + point["y"]))
                actions.w3c_actions.pointer_action.click()
                actions.perform()
                time.sleep(0.5)
            errors = console_errors(driver)
            if errors:
                raise SystemExit(f"the page logged errors: {errors}")
            Path(args.out).parent.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(args.out)
        finally:
            driver.quit()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

"""README's generated tables say what the committed results files say (never typed)."""

from __future__ import annotations

from pathlib import Path

from script_module import REPO, load_script


def test_test_suite_costs_in_readme_are_generated_from_the_results_file() -> None:
    suite = load_script("bench/test_suite.py")
    for page, body in (("README.md", suite.readme_table()), (suite.DEV_PAGE, suite.table())):
        text = (REPO / page).read_text(encoding="utf-8")
        start, end = suite.readme_block(text)
        assert text[start:end].strip() == body.strip(), (
            f"{page}: the test-suite tables are stale: run `python bench/test_suite.py readme`"
        )


def test_junit_reports_are_split_by_file_and_outcome(tmp_path: Path) -> None:
    suite = load_script("bench/test_suite.py")
    report = tmp_path / "junit.xml"
    report.write_text(
        '<testsuites><testsuite name="pytest">'
        '<testcase classname="tests.a" name="t1" time="1.5"/>'
        '<testcase classname="tests.a" name="t2" time="0.5"><failure message="x"/></testcase>'
        '<testcase classname="tests.sub.b" name="t3" time="3.0"><skipped/></testcase>'
        "</testsuite></testsuites>"
    )
    parsed = suite.parse_junit(report)
    assert (parsed["passed"], parsed["failed"], parsed["skipped"]) == (1, 1, 1)
    assert parsed["files"] == {"tests/sub/b.py": 3.0, "tests/a.py": 2.0}
    assert parsed["test_seconds"] == 5.0

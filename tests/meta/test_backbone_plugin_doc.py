"""The backbone plugin example of docs/models.md imports no Keras until its factory is called."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

PAGE = Path(__file__).resolve().parents[2] / "docs" / "models.md"


def test_the_plugin_example_module_imports_no_keras(tmp_path: Path) -> None:
    section = PAGE.read_text(encoding="utf-8").split("## Writing a backbone plugin", 1)[1]
    code = re.search(r"```python\n(# lesionkit_effnet/__init__.py\n.*?)```", section, re.S)
    assert code, "docs/models.md lost its backbone plugin example"
    package = tmp_path / "lesionkit_effnet"
    package.mkdir()
    (package / "__init__.py").write_text(code.group(1), encoding="utf-8")
    check = (
        f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import lesionkit_effnet; "
        "print(sorted(m for m in ('keras', 'tensorflow') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"

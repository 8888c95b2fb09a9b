"""Values shared by the map tests (a module with a unique name, importable from the tests)."""

#: Values from an input file that must show as text, never run.
XSS_SCRIPT = "<script>window.__xss = 1; alert(1)</script>"
XSS_IMG = '<img src=x onerror="window.__xss = 1; alert(1)">'

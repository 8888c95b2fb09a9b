"""Script payloads for the escaping tests (a module with a unique name, importable by tests).

Each is text an input file or a setting could hold; every HTML output must show it as text.
None holds a comma or a double quote, so each fits in a CSV field and a TOML string as is.
"""

from __future__ import annotations

#: Markup that runs script or loads from another host if written into HTML unescaped.
PAYLOADS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "<svg onload=alert(3)>",
    "<!-- --><script>alert(4)</script>",
    "</script><script>alert(5)</script>",
    "</title></textarea><script>alert(9)</script>",
    "<img src=https://evil.example/i.png>",
    "<iframe src=https://evil.example/f></iframe>",
    "<style>body{background:url(https://evil.example/s.png)}</style>",
    "javascript:alert(6)",
    "<a href=javascript:alert(7)>link</a>",
    "<a href=data:text/html;alert(8)>data</a>",
)

#: The analyst's Markdown with every kind of payload Markdown can carry.
MARKDOWN = "\n\n".join(
    [
        "# Commentary",
        "Plain words <script>alert(11)</script> and <img src=x onerror=alert(12)>.",
        "<!-- --><script>alert(13)</script>",
        "<svg onload=alert(14)></svg>",
        "[a javascript link](javascript:alert(15)) and [a data link]"
        "(data:text/html;base64,PHNjcmlwdD5hbGVydCgxNik8L3NjcmlwdD4=)",
        "![an outside image](https://evil.example/md.png)",
        '<iframe src="https://evil.example/frame"></iframe>',
        "<style>body{background:url(https://evil.example/s.png)}</style>",
        '<a href="javascript:alert(17)">raw link</a>',
        "A fine link: [ONS](https://www.ons.gov.uk/) and [mail](mailto:team@example.org).",
    ]
)

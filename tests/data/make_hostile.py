"""Write a corpus of hostile inputs (and good articles among them) into a folder.

    python tests/data/make_hostile.py FOLDER      # prints the manifest as JSON

Nothing binary is committed: tests build the corpus in a temporary folder. The manifest says
what reading the folder must give: ``good`` sources with names their text holds, ``hidden``
names that must not reach the text (HTML scripts, styles, navigation, comments; an XML entity's
expansion), ``bad`` sources with a word their Skipped reason holds, and ``ignored`` files that
must yield nothing. Sources are the paths below the folder, as kg prints them (a file name that is
not UTF-8 shows U+FFFD for its bad bytes).

Unreadable files: the tests run as root, and root reads a ``chmod 000`` file. So the corpus uses
inputs that fail for root too: a named pipe (opening it would wait forever for a writer; the
reader must refuse non-regular files before opening), a Unix socket, a symbolic link loop, and a
symbolic link to ``/proc/self/mem`` (a regular file by ``stat`` that opens fine and then fails
every read at offset 0 with EIO, on any Linux). The ``chmod 000`` file is added only when not
running as root.
"""
from __future__ import annotations

import json
import os
import random
import socket
import sys
from pathlib import Path

__all__ = ["make_hostile", "HUGE_CHARS", "HUGE_PARAGRAPHS", "LAUGHS_HTML", "SECRET_NAME", "WEIRD_NAMES"]

HUGE_CHARS = 1_000_000  # spaCy's default max_length: a longer text must still be read and analysed

ARTICLE = """Harbour ferry service resumes after storm

By Lydia Fenwick and Tomasz Okonjo

PORT ELWYN (Coastline Wire) – The ferry link between Port Elwyn and Gullstone Island resumed on Friday after a three-day suspension, the operator Castellan Marine said in a statement.

Harbour master Agnieszka Thorvald said crews had inspected the landing stages overnight and found no lasting damage.

(Reporting by Lydia Fenwick; Editing by Rosalind Achebe)

  • Horatio Quillfeather

    About time. My cousin was stuck on the island for three days.

  • Perpetua Vanlandingham

    The ferry office never answers the phone anyway.
"""

HTML_PAGE = """<!DOCTYPE html>
<html><head>
<title>Orchard cooperative opens cider press | The Valley Ledger</title>
<meta name="author" content="Imogen Raskolnikova">
<meta property="article:published_time" content="2022-09-14T08:00:00Z">
<style>.byline:after { content: "Zebulon Styleman"; }</style>
<script>var tracker = {editor: "Quentin Scriptwright"};</script>
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/people/bartholomew">Bartholomew Navlink</a></li></ul></nav>
<article>
<h1>Orchard cooperative opens cider press</h1>
<p>The Linden Vale orchard cooperative opened a shared cider press in Ashcombe on Wednesday, letting forty growers press fruit without hiring contractors, its chair Winifred Castellanos said.</p>
<p>The press was built by Hallorann Engineering with a grant from the county council, according to the cooperative's annual report published in the spring.</p>
<p>Growers said the press would cut their costs by about a third during the busy autumn harvest season.</p>
</article>
<section id="comments" class="comments"><h2>Comments</h2>
<div class="comment"><p class="author">Cornelius Commentarius</p><p>Great news, Leopold Replysworth and I will bring apples.</p></div>
</section>
<footer><p>Contact Florentyna Footerby for advertising.</p></footer>
</body></html>
"""

BROKEN_HTML = (
    "<div><p>The Brandvold sawmill in Elverum reopened on Monday under its new owner Ottilie "
    "Brandvold, who bought it from the municipality in March.<p>The mill employs sixty people "
    "</b></i>and will cut spruce from the surrounding forests <b>unclosed <table><tr><td>cell"
    "</div></span></html></html><p>after the end"
)

HOPELESS_HTML = (
    "<html><head><script>var name = 'Quentin Scriptwright';</script>"
    "<style>body { color: red; }</style></head><body></body></html>"
)

CONTROL_TEXT = (
    "Mill workers vote to strike\n\n"
    "Ottoline Vance, who leads the union at Brightwater Mills,\x00 said on Tuesday that members"
    " had voted\x07 to strike over pay.\x1b The company did not respond.\x0b\x0c\n"
)

LATIN1_TEXT = (
    "Genève museum appoints director\n\n"
    "The Musée Lavoisier in Genève named Renée Lavoisier-Dubois as its director on Thursday, "
    "succeeding José Müller, who retired after twelve years.\n"
)

UTF16_TEXT = (
    "Utrecht bakery wins prize\n\n"
    "Zoë Brandt, who runs the Bakkerij Brandt in Utrecht, won the national bread prize on "
    "Saturday, the Dutch bakers' guild said.\n"
)

# The huge file: a few paragraphs far apart (padding of blank space, as some exports have), so
# its text is past spaCy's max_length while the model has only a few sentences to parse; the last
# paragraph starts after HUGE_CHARS, so kg must cut the text into pieces and keep the offsets.
HUGE_PARAGRAPHS = (
    "Council budget consultation",
    "Marguerite Okafor, the mayor of Thistlewick, said the council would publish its budget "
    "next month after consulting residents and local businesses.",
    "Odile Marchbank, the treasurer, said reserves had fallen by a tenth since the flood.",
    "Barnaby Trevelyan, who chairs the finance committee, asked for a public hearing.",
    "Casimir Delacroix closed the meeting.",
)

# Billion laughs and an external entity in XHTML: an HTML reader must not expand either.
LAUGHS_HTML = """<?xml version="1.0"?>
<!DOCTYPE html [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
 <!ENTITY leak SYSTEM "file://SECRET">
]>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Lighthouse keeper retires</title></head>
<body><article>
<p>Rosalind Penhallow, who kept the Skerryvore light for thirty years, retired on Sunday, the
coastguard said. &lol9;&leak;</p>
<p>She will move to Lerwick with her brother Alasdair Penhallow, who runs a boatyard there.
&lol9;&lol9;&lol9;</p>
</article></body></html>
"""
SECRET_NAME = "Ignatius Leakwell"  # in a file the XHTML's external entity points at

MARKDOWN_ARTICLE = """# Ferry strike ends

The strike at [Ardmore Ferries](https://example.org/companies/ardmore-ferries "profile") ended on Tuesday,
union leader [Marisol Quintero](https://example.org/people/marisol-quintero) said.

![Photo: Ignatius Imagefield](img/ignatius-imagefield.jpg)

```python
press_office = Contact(name="Evander Codewright")
```
"""

WEIRD_NAMES = {
    "weird `backtick` name.txt": "Cypher test one: Anselm Whitcombe chairs the Pellucid Trust.\n",
    "quotes 'single' and \"double\".txt": "Cypher test two: Beatrix Holloway founded Corvid Labs.\n",
    "x'}) MATCH (n) DETACH DELETE n; .txt": "Cypher test three: Cosmo Albrecht leads Fenwick Rail.\n",
    "$param {brace} [bracket].md": "Cypher test four: Delphine Marchetti runs Ostrava Glassworks.\n",
}


def _write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def _huge_text() -> str:
    first, *middle, last = HUGE_PARAGRAPHS
    gap = HUGE_CHARS // len(middle) + 1000
    padding = [" " * gap, "\t \n" * (gap // 3)]
    parts = [first]
    for index, paragraph in enumerate(middle):
        parts += [paragraph, padding[index % 2]]
    parts.append(last)
    text = "\n\n".join(parts) + "\n"
    assert text.index(last) > HUGE_CHARS
    return text


def _jsonl_lines() -> list[str]:
    return [
        json.dumps({"id": "jsonl-good-1", "text": "Serafina Oduya opened the Kestrel Bridge in Harlow.",
                    "title": "Bridge opened", "published": "2020-05-17T09:30:00Z",
                    "authors": ["Ivo Petrakis"]}),
        "{this is not json",
        json.dumps(["a", "list", "not", "an", "object"]),
        json.dumps({"id": "no-text", "title": "Missing text"}),
        "",
        json.dumps({"id": "jsonl-good-2", "text": "Thaddeus Mbeki joined Larkspur Analytics.",
                    "url": "https://example.org/larkspur"}),
        json.dumps({"id": "bad-authors", "text": "Some text here.", "authors": 42}),
        json.dumps({"id": "ctrl", "text": "Ulrike Stanhope\u0000 runs Wexford Dairies.\u0007"}),
        '{"id": "truncated", "text": "cut off in the midd',
        # Lone surrogates, spelled as JSON escapes: not Unicode text, yet json.loads returns them.
        '{"id": "surrogate\\ud800", "title": "Trust \\udc00 chair", "authors": ["Nell\\ud83d Ashby"], '
        '"text": "Wilbur Quenby\\ud800 chairs the Tarn Valley Trust in Elmsford."}',
        # Quotes, backticks (raw and as \u0060) and Cypher in an id, a title and an author.
        json.dumps({"id": "tick\u0060) DETACH DELETE n //", "title": "Globex`) DETACH DELETE n // 'x\"",
                    "authors": ["O'Hara \"`Tick`\" }) MATCH (m) DELETE m"],
                    "text": "Ramona Kettering joined Globex Shipping in Harwich."}),
        "[" * 100_000,  # nested past Python's recursion limit
    ]


def make_hostile(folder: str | os.PathLike) -> dict:
    """Write the corpus into ``folder`` (created if needed) and return its manifest."""
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    good: dict[str, list[str]] = {}
    hidden: dict[str, list[str]] = {}
    bad: dict[str, str] = {}
    ignored: list[str] = []

    _write(root, "articles/harbour.txt", ARTICLE)
    good["articles/harbour.txt"] = ["Lydia Fenwick", "Castellan Marine", "Agnieszka Thorvald"]
    hidden["articles/harbour.txt"] = []  # in the text, but only in furniture (checked on body)

    _write(root, "articles/page.html", HTML_PAGE)
    good["articles/page.html"] = ["Winifred Castellanos", "Hallorann Engineering"]
    hidden["articles/page.html"] = [
        "Zebulon Styleman", "Quentin Scriptwright", "Bartholomew Navlink",
        "Cornelius Commentarius", "Leopold Replysworth", "Florentyna Footerby",
    ]

    _write(root, "articles/broken.htm", BROKEN_HTML)
    good["articles/broken.htm"] = ["Ottilie Brandvold"]

    _write(root, "articles/hopeless.html", HOPELESS_HTML)
    bad["articles/hopeless.html"] = "no main text"

    # Nested a hundred thousand deep: the parser gives up on the depth (libxml2 stops at 256),
    # quickly and without a recursion error; the page has nothing left to read.
    depth = 100_000
    _write(root, "articles/nested.html", "<html><body>" + "<div>" * depth
           + "<p>Imelda Frostwick opened the Harrowby tannery.</p>" + "</div>" * depth + "</body></html>")
    bad["articles/nested.html"] = "no main text"

    _write(root, "encodings/latin1.txt", LATIN1_TEXT.encode("latin-1"))
    good["encodings/latin1.txt"] = ["Renée Lavoisier-Dubois", "Genève", "José Müller"]

    _write(root, "encodings/utf16.txt", UTF16_TEXT.encode("utf-16"))  # the codec writes a BOM
    good["encodings/utf16.txt"] = ["Zoë Brandt", "Utrecht"]

    _write(root, "encodings/utf8-bom.md", "\ufeff" + "Kiln reopens\n\nHesper Langford relit the kiln.\n")
    good["encodings/utf8-bom.md"] = ["Hesper Langford"]

    _write(root, "encodings/controls.txt", CONTROL_TEXT)
    good["encodings/controls.txt"] = ["Ottoline Vance", "Brightwater Mills"]

    _write(root, "huge/huge.txt", _huge_text())
    good["huge/huge.txt"] = ["Marguerite Okafor", "Casimir Delacroix"]

    _write(root, "lines/mixed.jsonl", "\n".join(_jsonl_lines()) + "\n")
    good["lines/mixed.jsonl:1"] = ["Serafina Oduya"]
    good["lines/mixed.jsonl:6"] = ["Thaddeus Mbeki"]
    good["lines/mixed.jsonl:8"] = ["Ulrike Stanhope"]
    bad["lines/mixed.jsonl:2"] = "invalid JSON"
    bad["lines/mixed.jsonl:3"] = "JSON object"
    bad["lines/mixed.jsonl:4"] = "text"
    bad["lines/mixed.jsonl:7"] = "authors"
    bad["lines/mixed.jsonl:9"] = "invalid JSON"
    good["lines/mixed.jsonl:10"] = ["Wilbur Quenby", "Tarn Valley Trust"]
    good["lines/mixed.jsonl:11"] = ["Ramona Kettering", "Globex Shipping"]
    bad["lines/mixed.jsonl:12"] = "nested too deeply"

    _write(root, "other/secret.dat", f"{SECRET_NAME} must never be read.\n")
    laughs = LAUGHS_HTML.replace("file://SECRET", (root / "other" / "secret.dat").resolve().as_uri())
    _write(root, "articles/laughs.xhtml.html", laughs)
    good["articles/laughs.xhtml.html"] = ["Rosalind Penhallow", "Alasdair Penhallow"]
    hidden["articles/laughs.xhtml.html"] = ["lollol", SECRET_NAME]

    _write(root, "bad/empty.txt", b"")
    bad["bad/empty.txt"] = "empty"
    _write(root, "bad/blank.md", " \n\t\n   \r\n")
    bad["bad/blank.md"] = "whitespace"
    _write(root, "bad/blank-lines.jsonl", "\n\n   \n")
    bad["bad/blank-lines.jsonl"] = "whitespace"
    _write(root, "bad/nuls.txt", b"\x00" * 4096)
    bad["bad/nuls.txt"] = "binary"
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + random.Random(7).randbytes(6000)
    _write(root, "bad/picture.txt", png)
    bad["bad/picture.txt"] = "binary"
    _write(root, "bad/program.html", b"\x7fELF\x02\x01\x01\x00" + random.Random(8).randbytes(3000))
    bad["bad/program.html"] = "binary"

    os.symlink(root / "bad" / "no-such-target.txt", root / "bad" / "dangling.txt")
    bad["bad/dangling.txt"] = "dangling"
    os.symlink("loop.txt", root / "bad" / "loop.txt")  # a link to itself: ELOOP
    bad["bad/loop.txt"] = "cannot read"
    os.mkfifo(root / "bad" / "pipe.txt")
    bad["bad/pipe.txt"] = "named pipe"
    if _make_socket(root / "bad" / "socket.md"):
        bad["bad/socket.md"] = "socket"
    os.symlink("/proc/self/mem", root / "bad" / "unreadable.txt")
    bad["bad/unreadable.txt"] = "cannot read"
    if os.geteuid() != 0:
        locked = _write(root, "bad/locked.txt", "Nobody may read this.\n")
        locked.chmod(0)
        bad["bad/locked.txt"] = "permission denied"

    for name, text in WEIRD_NAMES.items():
        _write(root, f"names/{name}", text)
        good[f"names/{name}"] = [text.split(": ", 1)[1].split(" ")[0]]
    # A file name that is not UTF-8 (Latin-1 bytes, as an old archive unpacks them).
    latin_name = os.fsencode(root / "names") + b"/caf\xe9 cr\xe8me.txt"
    with open(latin_name, "wb") as handle:
        handle.write(b"Cafe sold\n\nLeontyne Mbasogo sold the Creme Cafe in Dunstable.\n")
    good["names/caf\ufffd cr\ufffdme.txt"] = ["Leontyne Mbasogo"]

    # Two files with one stem: both read, with distinct ids.
    _write(root, "stems/story.txt", "Quarry closes\n\nIsolde Farquhar closed the Redmere quarry.\n")
    _write(root, "stems/more/story.md", "Quarry reopens\n\nJuniper Abernathy reopened the Redmere quarry.\n")
    good["stems/story.txt"] = ["Isolde Farquhar"]
    good["stems/more/story.md"] = ["Juniper Abernathy"]

    # Named like an entity id: the document gets an id of its own ("doc:person:..."), and the
    # entity of that name stays an entity.
    _write(root, "ids/person:orla-brennan.txt", "Bakery opens\n\nOrla Brennan opened the Corrib bakery in Galway.\n")
    good["ids/person:orla-brennan.txt"] = ["Orla Brennan"]
    # A newline in a file name: printed as \x0a, never as a line of the report.
    _write(root, "bad/forged\nkg skipped nothing.txt", b"")
    bad["bad/forged\\x0akg skipped nothing.txt"] = "empty"
    # JSON line ids: one like an entity id (kept, outside the entity namespace), one differing from
    # another only in a control character (refused); a published value that is no date (left out).
    _write(root, "lines/ids.jsonl", "\n".join([
        json.dumps({"id": "organization:tarn-mills", "text": "Quillon Marsh bought Tarn Mills in Kendal."}),
        json.dumps({"id": "ctl\u0001", "text": "Rhiannon Vex sold the Brora distillery."}),
        json.dumps({"id": "undated", "published": "unknown", "text": "Solveig Aune founded Fjordline Bikes."}),
    ]) + "\n")
    good["lines/ids.jsonl:1"] = ["Quillon Marsh"]
    bad["lines/ids.jsonl:2"] = "control characters"
    good["lines/ids.jsonl:3"] = ["Solveig Aune"]
    # Markdown: link targets, images and code are not text; a link's words are.
    _write(root, "articles/links.md", MARKDOWN_ARTICLE)
    good["articles/links.md"] = ["Marisol Quintero", "Ardmore Ferries"]
    hidden["articles/links.md"] = ["Evander Codewright", "Ignatius Imagefield", "marisol-quintero"]

    # A folder named like a file is a folder: its files are read.
    _write(root, "folder.txt/inside.txt",
           "Lighthouse sold\n\nPeregrine Ashdown bought the Skerry lighthouse.\n")
    good["folder.txt/inside.txt"] = ["Peregrine Ashdown"]

    ignored.append("other/secret.dat")
    for name in ("other/report.pdf", "other/photo.png", "other/README", "other/.hidden.txt"):
        _write(root, name, b"%PDF-1.4 not read" if name.endswith(".pdf") else "not read\n")
        ignored.append(name)

    return {
        "good": good,
        "hidden": hidden,
        "bad": bad,
        "ignored": ignored,
        "huge": "huge/huge.txt",
    }


def _make_socket(path: Path) -> bool:
    """A Unix socket file (bound, then closed: the file stays). False where the path is too
    long for a socket address (about 108 bytes)."""
    if len(os.fsencode(path)) >= 100:
        return False
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(path))
    finally:
        server.close()
    return True


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_hostile.py FOLDER")
    print(json.dumps(make_hostile(sys.argv[1]), indent=2, ensure_ascii=False))

"""Read at start-up by every Python process `make test` starts: tools/course.py puts this
folder first on PYTHONPATH for the tests only (`make lab` does not).

jsonschema, which nbformat, nbval, JupyterLab and the website's build all import, loads
the optional checker of the "iri" formats, rfc3987_syntax, whenever it is installed
(jupyter-events asks for it). That package builds about 40 parsers at import: some 1.3 s
of CPU in each of the dozen processes a test run starts. No schema these tools check uses
an "iri" format, so the tests do without it: jsonschema then leaves those two formats
unchecked, and everything else works as it does for a learner.

A ``sitecustomize`` later on the path (a Linux distribution's, say) still runs after this.
"""
import os
import sys

sys.modules.setdefault("rfc3987_syntax", None)  # ``import rfc3987_syntax`` now fails fast

_here = os.path.dirname(os.path.abspath(__file__))
for _entry in sys.path:
    _other = os.path.join(os.path.abspath(_entry or os.curdir), "sitecustomize.py")
    if os.path.dirname(_other) != _here and os.path.isfile(_other):
        with open(_other, encoding="utf-8") as _file:
            exec(compile(_file.read(), _other, "exec"), {"__name__": "sitecustomize", "__file__": _other})
        break

"""flask2quart: migrate Flask applications to Quart, and verify the result under load.

The public interface is the ``flask2quart`` command line (see ``flask2quart --help``) and the
codemod classes in :mod:`flask2quart.codemods`; everything in a ``_private`` module may change.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]

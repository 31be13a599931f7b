"""Static image export of plotly figures (PNG/SVG/PDF) with kaleido.

plotly >= 6 only drives kaleido >= 1 (which needs a system Chrome).  kaleido 0.2.1 ships its own
headless Chromium, but that Chromium predates a few JavaScript built-ins that recent plotly.js
bundles call (``Array.prototype.at``, ``Object.hasOwn``, ``structuredClone``, ...).  We therefore
drive kaleido 0.2.1's ``PlotlyScope`` ourselves with the installed plotly.js prefixed by small
polyfills, and fall back to ``fig.write_image`` when kaleido >= 1 is installed.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

__all__ = ["write_image", "figure_to_image"]

_POLYFILLS = r"""
if (!Array.prototype.at) { Object.defineProperty(Array.prototype, 'at', {value: function(n) {
  n = Math.trunc(n) || 0; if (n < 0) n += this.length; return this[n]; },
  writable: true, configurable: true}); }
if (!String.prototype.at) { Object.defineProperty(String.prototype, 'at', {value: function(n) {
  n = Math.trunc(n) || 0; if (n < 0) n += this.length; return this.charAt(n); },
  writable: true, configurable: true}); }
if (!Object.hasOwn) { Object.hasOwn = function(o, p) {
  return Object.prototype.hasOwnProperty.call(o, p); }; }
if (!Array.prototype.findLast) { Object.defineProperty(Array.prototype, 'findLast', {
  value: function(f, t) { for (var i = this.length - 1; i >= 0; i--) {
    if (f.call(t, this[i], i, this)) return this[i]; } return undefined; },
  writable: true, configurable: true}); }
if (!Array.prototype.findLastIndex) { Object.defineProperty(Array.prototype, 'findLastIndex', {
  value: function(f, t) { for (var i = this.length - 1; i >= 0; i--) {
    if (f.call(t, this[i], i, this)) return i; } return -1; },
  writable: true, configurable: true}); }
if (typeof structuredClone === 'undefined') { self.structuredClone = function(v) {
  return JSON.parse(JSON.stringify(v)); }; }
if (!String.prototype.replaceAll) { String.prototype.replaceAll = function(a, b) {
  return this.split(a).join(b); }; }
"""

_SCOPE = None


def _kaleido_version() -> tuple[int, ...]:
    try:
        from importlib.metadata import version
        return tuple(int(p) for p in version("kaleido").split(".")[:2])
    except Exception:  # pragma: no cover - not installed
        return ()


def _scope():
    """kaleido 0.2.1 PlotlyScope with a polyfilled copy of plotly's own plotly.js."""
    global _SCOPE
    if _SCOPE is None:
        import plotly
        from kaleido.scopes.plotly import PlotlyScope

        src = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
        js = src.read_text(encoding="utf-8")
        tag = hashlib.sha1((plotly.__version__ + _POLYFILLS).encode()).hexdigest()[:10]
        dst = Path(tempfile.gettempdir()) / f"connectome_sim_plotly_{tag}.js"
        if not dst.exists():
            tmp = dst.with_suffix(".tmp")
            tmp.write_text(_POLYFILLS + "\n" + js, encoding="utf-8")
            tmp.replace(dst)
        _SCOPE = PlotlyScope(plotlyjs=str(dst), mathjax=False)
    return _SCOPE


def figure_to_image(fig, format: str = "png", width: int | None = None,
                    height: int | None = None, scale: float = 1.0) -> bytes:
    """Render a plotly figure to image bytes.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        Figure to render.
    format : {'png', 'svg', 'pdf', 'jpeg', 'webp'}
        Image format.
    width, height : int, optional
        Size in layout pixels (default: the figure's layout size, else 900 × 500).
    scale : float
        Resolution multiplier.

    Returns
    -------
    bytes
        The encoded image.

    Raises
    ------
    ImportError
        If kaleido is not installed (``pip install "kaleido==0.2.1"``).
    ValueError
        If the figure cannot be rendered (kaleido reports the plotly.js error).
    """
    kv = _kaleido_version()
    if not kv:
        raise ImportError('static image export needs kaleido: pip install "kaleido==0.2.1"')
    width = width or fig.layout.width or 900
    height = height or fig.layout.height or 500
    if kv[0] >= 1:
        return fig.to_image(format=format, width=width, height=height, scale=scale)
    spec = json.loads(fig.to_json())  # numpy arrays become plotly.js typed-array specs
    return _scope().transform(spec, format=format, width=width, height=height, scale=scale)


def write_image(fig, path, width: int | None = None, height: int | None = None,
                scale: float = 1.0) -> Path:
    """Write a plotly figure to an image file; the format follows the file suffix.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        Figure to render.
    path : str or pathlib.Path
        Output file (``.png``, ``.svg``, ``.pdf``, ``.jpeg``, ``.webp``).
    width, height : int, optional
        Size in layout pixels.
    scale : float
        Resolution multiplier.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower() or "png"
    path.write_bytes(figure_to_image(fig, fmt, width, height, scale))
    return path

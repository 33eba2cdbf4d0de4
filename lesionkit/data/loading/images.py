"""Robust image decoding: any file a user might call a dermoscopy image, to uint8 RGB.

Defined behaviour for awkward files (each one tested):

- the format is sniffed from the content, not the extension: a PNG saved as
  ``.jpg`` decodes (and :func:`inspect_image` notes the mismatch);
- grayscale, palette, CMYK, 16-bit and RGBA images become RGB (alpha is dropped,
  as ``tf.io.decode_png(channels=3)`` does);
- EXIF orientation is applied, so a photo looks the way a viewer shows it;
- large JPEGs are decoded at reduced scale (DCT scaling, 1/2 to 1/8) when only a
  small size is wanted, instead of decoding in full and then resizing;
- a zero-byte, truncated, unreadable or non-image file raises
  :class:`ImageDecodeError` naming the file and saying what to do.

Example:
    >>> import numpy as np, tempfile, pathlib
    >>> from PIL import Image
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.jpg"
    >>> Image.fromarray(np.zeros((40, 60, 3), np.uint8)).save(path)
    >>> load_image(path, 32).shape
    (32, 32, 3)
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
import numpy as np

from lesionkit.errors import DataError

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

# Bump when decoding or resizing changes, so that caches built by older code rebuild.
DECODER_VERSION = 1

_EXTENSIONS = {
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".png": "PNG",
    ".bmp": "BMP",
    ".gif": "GIF",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".webp": "WEBP",
}
IMAGE_SUFFIXES = tuple(_EXTENSIONS)


class ImageDecodeError(DataError):
    """An image file that cannot be decoded; the message names the file."""


@attrs.frozen
class ImageInfo:
    """What :func:`inspect_image` found: format, mode, size and notes on oddities."""

    path: str
    format: str
    mode: str
    size: tuple[int, int]
    notes: tuple[str, ...] = ()


def _open(path: Path) -> PILImage:
    from PIL import Image, UnidentifiedImageError

    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImageDecodeError(
            f"{path}: cannot read the file ({exc.strerror or exc}); check it exists and is readable"
        ) from exc
    if size == 0:
        raise ImageDecodeError(f"{path}: empty file (0 bytes); re-download or remove it")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(path)
    except UnidentifiedImageError as exc:
        raise ImageDecodeError(
            f"{path}: not an image file Pillow can read ({size} bytes); re-download or remove it"
        ) from exc
    except Image.DecompressionBombError as exc:
        raise ImageDecodeError(f"{path}: image too large to decode safely ({exc}); downscale it first") from exc
    except OSError as exc:
        raise ImageDecodeError(f"{path}: cannot open image ({exc}); re-download or remove it") from exc


def _to_rgb_array(image: PILImage) -> np.ndarray:
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit grayscale: scale to 8 bits instead of clipping at 255.
        arr = np.asarray(image).astype(np.float64)
        top = 65535.0 if arr.max(initial=0) > 255 else 255.0
        gray = np.clip(arr / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return np.repeat(gray[..., None], 3, axis=-1)
    if mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode != "RGB":
        image = image.convert("RGB")
    return np.asarray(image, dtype=np.uint8)


def load_image(path: str | Path, size: int | None = None) -> np.ndarray:
    """Decode ``path`` to uint8 RGB ``(H, W, 3)``, resized to ``size``×``size`` if given.

    The resize is a plain (antialiased bilinear) squash to a square, as the
    paper resized ISIC images to 224×224.

    Raises:
        ImageDecodeError: empty, truncated, corrupt or non-image file (named).
    """
    from PIL import Image, ImageOps

    path = Path(path)
    image = _open(path)
    try:
        with image:
            if size is not None and image.format == "JPEG":
                # DCT-domain downscaling: never smaller than the target on either side.
                image.draft("RGB", (size, size))
            image.load()
            oriented = ImageOps.exif_transpose(image)
            arr = _to_rgb_array(oriented)
    except ImageDecodeError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        detail = str(exc) or type(exc).__name__
        raise ImageDecodeError(f"{path}: corrupt or truncated image ({detail}); re-download or remove it") from exc
    if arr.ndim != 3 or arr.shape[-1] != 3 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ImageDecodeError(f"{path}: decoded to an unusable shape {arr.shape}; re-save it as an RGB JPEG or PNG")
    if size is not None and arr.shape[:2] != (size, size):
        arr = np.asarray(Image.fromarray(arr).resize((size, size), Image.Resampling.BILINEAR), dtype=np.uint8)
    return arr


def inspect_image(path: str | Path, *, check_decode: bool = True) -> ImageInfo:
    """Identify ``path`` (format, mode, size) and decode it fully when ``check_decode``.

    Notes record handled oddities (format differs from the extension, non-RGB mode,
    EXIF rotation); undecodable files raise :class:`ImageDecodeError`.
    """
    path = Path(path)
    image = _open(path)
    with image:
        fmt, mode, size = image.format or "?", image.mode, image.size
        orientation = image.getexif().get(0x0112, 1) if hasattr(image, "getexif") else 1
    notes = []
    expected = _EXTENSIONS.get(path.suffix.lower())
    if expected and fmt != expected:
        notes.append(f"{fmt} data under a {path.suffix} name (decoded by content)")
    if mode != "RGB":
        notes.append(f"mode {mode} converted to RGB")
    if orientation not in (None, 1):
        notes.append(f"EXIF orientation {orientation} applied")
    if check_decode:
        # A small draft decode still reads the whole compressed stream, so truncation shows.
        load_image(path, 64)
    return ImageInfo(str(path), fmt, mode, (int(size[0]), int(size[1])), tuple(notes))

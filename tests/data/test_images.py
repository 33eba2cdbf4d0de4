"""Bad and awkward image files: each has a defined behaviour (decoded right, or an error naming it)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lesionkit.data.loading.images import ImageDecodeError, inspect_image, load_image


def _noise(h: int, w: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 255, (h, w, 3), dtype=np.uint8)


def test_truncated_jpeg_names_file(tmp_path: Path) -> None:
    path = tmp_path / "ISIC_trunc.jpg"
    Image.fromarray(_noise(64, 64)).save(path, quality=95)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageDecodeError, match=r"ISIC_trunc\.jpg: corrupt or truncated"):
        load_image(path, 32)
    with pytest.raises(ImageDecodeError, match="ISIC_trunc.jpg"):
        inspect_image(path)


def test_zero_byte_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    with pytest.raises(ImageDecodeError, match=r"empty\.jpg: empty file \(0 bytes\)"):
        load_image(path)


def test_not_an_image(tmp_path: Path) -> None:
    path = tmp_path / "notes.jpg"
    path.write_text("<html>Access denied</html>")
    with pytest.raises(ImageDecodeError, match=r"notes\.jpg: not an image"):
        load_image(path, 32)


def test_png_under_jpg_name_decodes_by_content(tmp_path: Path) -> None:
    path = tmp_path / "really_png.jpg"
    arr = _noise(20, 30)
    Image.fromarray(arr).save(path, format="PNG")
    np.testing.assert_array_equal(load_image(path), arr)  # lossless: exactly the pixels
    assert any("PNG data under a .jpg name" in n for n in inspect_image(path).notes)


@pytest.mark.parametrize("mode", ["L", "CMYK", "RGBA", "P", "I;16"])
def test_non_rgb_modes_become_rgb(tmp_path: Path, mode: str) -> None:
    rgb = Image.fromarray(_noise(24, 32))
    if mode == "I;16":
        image = Image.fromarray((np.arange(24 * 32).reshape(24, 32) * 80).astype(np.uint16))
    else:
        image = rgb.convert(mode)
    path = tmp_path / f"img_{mode.replace(';', '')}.{'jpg' if mode in ('L', 'CMYK') else 'png'}"
    image.save(path)
    out = load_image(path)
    assert out.shape == (24, 32, 3) and out.dtype == np.uint8
    if mode == "L":
        assert np.array_equal(out[..., 0], out[..., 1])
    if mode == "RGBA":
        np.testing.assert_array_equal(out, np.asarray(rgb))  # alpha dropped, colours kept
    if mode == "I;16":
        assert out.max() > 200  # scaled from 16 bits, not clipped to a few values
        assert len(np.unique(out)) > 100
    assert f"mode {image.mode} converted to RGB" in inspect_image(path).notes


def test_exif_orientation_applied(tmp_path: Path) -> None:
    arr = np.zeros((20, 40, 3), np.uint8)
    arr[:, :20] = 255  # left half white
    image = Image.fromarray(arr)
    exif = image.getexif()
    exif[0x0112] = 6  # stored rotated: viewers turn it 90 degrees clockwise
    path = tmp_path / "rotated.jpg"
    image.save(path, exif=exif.tobytes(), quality=100)
    out = load_image(path)
    assert out.shape == (40, 20, 3)
    assert out[:15].mean() > 200 and out[25:].mean() < 50  # the white half is now on top
    assert "EXIF orientation 6 applied" in inspect_image(path).notes


def test_large_jpeg_decoded_at_reduced_scale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.jpg"
    Image.new("RGB", (6000, 4000), (200, 120, 90)).save(path, quality=80)
    from PIL import JpegImagePlugin

    scales = []
    real = JpegImagePlugin.JpegImageFile.draft

    def spy(self, mode, size):  # type: ignore[no-untyped-def]
        result = real(self, mode, size)
        scales.append(self.size)
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    out = load_image(path, 224)
    assert out.shape == (224, 224, 3)
    assert scales == [(750, 500)]  # decoded at 1/8 scale, still >= 224 on both sides
    assert abs(int(out[..., 0].mean()) - 200) <= 3


def test_resize_squashes_to_square(tmp_path: Path) -> None:
    path = tmp_path / "wide.png"
    Image.fromarray(_noise(30, 90)).save(path)
    assert load_image(path, 32).shape == (32, 32, 3)
    assert load_image(path).shape == (30, 90, 3)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ImageDecodeError, match="gone.jpg: cannot read"):
        load_image(tmp_path / "gone.jpg")

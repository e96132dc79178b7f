"""What the viewer is given of a series: the windows a series from DICOM offers, and the markup that carries them."""

import io
import re

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from cases.models import BONE_WINDOW, SOFT_TISSUE_WINDOW, PublicSeries, Series, Slice, Window, public_series
from tests.factories import SeriesFactory, SliceFactory, published_case

pytestmark = pytest.mark.django_db

# Grey levels of the synthetic derivatives, one per window: a browser test can tell which one is on show.
SHADES = {"web": 60, "bone": 200, "soft_tissue": 130}


def png(shade: int, size=(64, 64)) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", size, shade).save(buffer, "PNG")
    return buffer.getvalue()


def windowed_series(case, *, modality="ct", slices=3, order=0, window=(1500, 300), derivatives=("bone", "soft_tissue"),
                    plane="axial") -> Series:  # fmt: skip
    """A series as a DICOM import leaves it: the study's window on the series, and for each image the derivative
    in that window (web) and, for CT, in the bone and soft-tissue windows; each window a grey of its own."""
    width, center = window
    series = Series.objects.create(case=case, modality=modality, plane=plane, order=order, window_width=width,
                                   window_center=center)  # fmt: skip
    for position in range(slices):
        slice_ = Slice(series=series, position=position, width=64, height=64,
                       alt_text=f"Axial CT, image {position + 1} of {slices}")  # fmt: skip
        slice_.image.save(f"o{position}.png", ContentFile(png(SHADES["web"])), save=False)
        slice_.thumbnail.save(f"t{position}.png", ContentFile(png(SHADES["web"], (32, 32))), save=False)
        for name in ("web", *derivatives):
            getattr(slice_, name).save(f"{name}{position}.png", ContentFile(png(SHADES[name])), save=False)
        slice_.save()
    return series


def public(series: Series) -> PublicSeries:
    return PublicSeries.of(Series.objects.prefetch_related("slices").get(pk=series.pk))


def test_a_ct_series_from_dicom_offers_the_studys_window_then_bone_and_soft_tissue():
    series = windowed_series(SeriesFactory().case, window=(1500, 300))

    shown = public(series)

    assert shown.windows == (Window("web", "src", "Study", 1500, 300), BONE_WINDOW, SOFT_TISSUE_WINDOW)
    assert [w.text for w in shown.windows] == [
        "Study (W 1500 / L 300)",
        "Bone (W 2000 / L 500)",
        "Soft tissue (W 400 / L 40)",
    ]
    assert shown.unit == "HU"
    image = shown.images[0]
    stored = series.slices.first()
    assert (image.web, image.bone, image.soft_tissue) == (stored.web.url, stored.bone.url, stored.soft_tissue.url)


def test_an_mri_series_from_dicom_offers_only_its_own_window_without_units():
    series = windowed_series(SeriesFactory().case, modality="mri", window=(812.5, 406), derivatives=())

    shown = public(series)

    assert [w.text for w in shown.windows] == ["Study (W 812.5 / L 406)"]
    assert shown.unit == ""
    assert shown.images[0].bone == shown.images[0].soft_tissue == ""


def test_uploaded_pictures_offer_no_window_and_keep_brightness_and_contrast():
    series = SeriesFactory(modality="ct")
    SliceFactory(series=series)

    assert public(series).windows == ()


def test_a_window_is_offered_only_when_every_image_has_it():
    series = windowed_series(SeriesFactory().case)
    series.slices.filter(position=1).update(bone="")

    assert [w.label for w in public(series).windows] == ["Study", "Soft tissue"]


def test_the_case_page_carries_each_window_and_each_images_derivatives_only_for_the_series_that_has_them(
    client, trainee
):
    case = published_case(series=1, slices=2)
    picture = case.series.get()
    ct = windowed_series(case, order=1, slices=2)
    shown = {s.pk: s for s in public_series(case)}

    html = client.get(case.get_absolute_url()).content.decode()

    group = re.search(rf'<span class="viewer-presets" data-windows="series-{ct.pk}" data-unit="HU" hidden>(.*?)</span>',
                      html, re.S)  # fmt: skip
    assert group, "the CT series' windows"
    buttons = re.findall(r'data-window-preset="(\w+)" data-width="([\d.]+)" data-level="([\d.]+)"[^>]*>([^<]+)<',
                         group[1])  # fmt: skip
    assert buttons == [
        ("src", "1500.0", "300.0", "Study (W 1500 / L 300)"),
        ("bone", "2000", "500", "Bone (W 2000 / L 500)"),
        ("soft", "400", "40", "Soft tissue (W 400 / L 40)"),
    ]
    assert f'data-windows="series-{picture.pk}"' not in html
    for image in shown[ct.pk].images:
        assert f'data-src="{image.web}" data-alt="{image.alt_text}" data-slice="{image.pk}" ' \
               f'data-bone="{image.bone}" data-soft="{image.soft_tissue}"' in html  # fmt: skip
    for image in shown[picture.pk].images:
        assert re.search(rf'data-slice="{image.pk}" data-width', html)  # a picture's link names its web image only
    assert html.count("data-bone=") == html.count("data-soft=") == 2
    assert 'data-preset="brighter"' in html  # pictures keep their brightness and contrast

"""A garment's cut-out: made by the embedding job, shown on the garment page, refusable by its owner.

The embedding job masks every closet photo (``ml.masks.photo_for_embedding``). When that cut something away (a
home photo's bed or floor), the cut-out on white is stored next to the photo, so the garment page shows what the
vector reads. A photo already on white, or one whose mask is not trusted, is embedded as it is and has no cut-out.

The owner may choose the photo as taken instead (``Garment.use_cutout``): the job then embeds the original and still
keeps the cut-out, so the choice can be turned back. The original upload is never changed; the cut-out is remade on
every embedding (an export leaves it out, a restore's job makes it again).

The job also hands the photo's pixels and that same mask on (``EmbeddingInput.pixels``, ``.mask``), so the colour
model (``wardrobe.colour_suggestion``) reads the garment's own pixels without masking the photo a second time.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image

from ml.images import ImageSource
from ml.masks import prepare_for_embedding
from wardrobe import services
from wardrobe.models import BoardPhoto, Garment

__all__ = ["EmbeddingInput", "embedding_input", "garment_set_use_cutout", "keep_cutout"]

CUTOUT_FOLDER = "garments/cutouts"
CUTOUT_JPEG_QUALITY = 92  # what the encoder saw, shown: keep compression out of sight


@dataclass(frozen=True)
class EmbeddingInput:
    image: ImageSource | Image.Image  # what the encoder reads
    cutout: Image.Image | None  # the cut-out to keep; None when nothing was cut away
    pixels: np.ndarray | None = None  # the photo as taken, uint8 HxWx3
    mask: np.ndarray | None = None  # the garment's pixels in it (ml.masks.foreground; all True when not trusted)


def embedding_input(row: Garment | BoardPhoto, photo: bytes) -> EmbeddingInput:
    """What the encoder reads of ``row``'s photo, and the cut-out to keep. A board photo always reads its mask's
    result (it has no choice and keeps no cut-out); a garment reads its original when its owner chose so."""
    prepared = prepare_for_embedding(photo)  # one mask for the encoder's input and the colour model
    cut = prepared.cutout
    made = photo if cut is None else cut
    if isinstance(row, Garment):
        return EmbeddingInput(image=made if row.use_cutout else photo, cutout=cut, pixels=prepared.rgb,
                              mask=prepared.foreground.mask)
    return EmbeddingInput(image=made, cutout=None)


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=CUTOUT_JPEG_QUALITY)
    return out.getvalue()


def keep_cutout(row: Garment | BoardPhoto, cutout: Image.Image | None) -> None:
    """Store ``cutout`` as the garment's cut-out (none: drop the old one), inside the transaction that stores the
    vector it was made with. The replaced file is deleted after the commit; the new one at once if saving fails."""
    if not isinstance(row, Garment) or (cutout is None and not row.cutout):
        return
    replaced = row.cutout.name
    written = services._store(_jpeg(cutout), CUTOUT_FOLDER) if cutout is not None else ""
    try:
        row.cutout.name = written
        row.save(update_fields=["cutout"])
    except BaseException:
        services.delete_files_now([written] if written else [])
        raise
    services.delete_files_on_commit([replaced])


def garment_set_use_cutout(*, garment: Garment, use_cutout: bool) -> Garment:
    """The owner's choice of photo for the embedding: the cut-out (True) or the photo as taken. A change re-embeds
    the garment (services.garment_update, which owns what makes a vector stale)."""
    return services.garment_update(garment=garment, data={"use_cutout": bool(use_cutout)})

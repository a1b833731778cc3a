"""In-memory datasets the networks train and predict from.

Batches are tensor slices, not Python loops over spectra: ``DataLoader``
calls ``__getitems__`` with a batch's indices and ``_collate_batch`` passes
the result through.
"""

import numpy as np
import torch
from torch.utils.data import Dataset


class _ArrayDataset(Dataset):
    """In-memory spectra served a whole batch at a time.

    ``DataLoader`` calls ``__getitems__`` with the batch's indices, so a batch
    is one tensor slice instead of a Python loop over spectra. With
    ``subtype`` (each star's own subtype, for the classifiers' training
    targets) the target of a batch is the pair ``(y, subtype)``.
    """

    def __init__(self, X, y=None, subtype=None):
        self.X = torch.from_numpy(X)
        self.y = None if y is None else torch.from_numpy(np.asarray(y))
        self.subtype = None if subtype is None else torch.from_numpy(np.asarray(subtype))

    def __len__(self):
        return len(self.X)

    def _spectra(self, idx):
        """The spectra served for ``idx`` (an index or a tensor of them)."""
        return self.X[idx]

    def _targets(self, idx, empty):
        if self.y is None:
            return empty
        return self.y[idx] if self.subtype is None else (self.y[idx], self.subtype[idx])

    def __getitem__(self, i):
        return self._spectra(i), self._targets(i, torch.zeros(()))

    def __getitems__(self, indices):
        idx = torch.as_tensor(indices, dtype=torch.long)
        return self._spectra(idx), self._targets(idx, torch.zeros(len(idx)))


class _RedrawDataset(_ArrayDataset):
    """Training spectra whose noise is re-signed each time a batch is served.

    Holds each spectrum's noiseless version and its noise ``X - X_clean``
    and serves ``X_clean + s * (X - X_clean)`` with an independent random
    sign ``s`` per pixel. For noise symmetric about zero (Gaussian photon
    noise) each pixel's re-signed value has the noise's own distribution, at
    the spectrum's own S/N and without needing its noise model; the
    magnitudes stay those of the one draw (one of 2**n_pixels sign patterns
    of it), and the correlation that bad-pixel interpolation puts between
    neighbours is not kept. The signs come from torch's global RNG, which
    ``fit`` seeds.
    """

    def __init__(self, X, X_clean, y=None, subtype=None):
        super().__init__(X_clean, y, subtype)
        self.noise = torch.from_numpy(np.require(X - X_clean, requirements=["C", "W"]))

    def _spectra(self, idx):
        noise = self.noise[idx]
        sign = torch.randint(0, 2, noise.shape, dtype=torch.int8).to(noise.dtype) * 2 - 1
        return self.X[idx] + sign * noise


def _collate_batch(batch):
    """The batch is already a tuple of tensors (see ``_ArrayDataset``)."""
    return batch

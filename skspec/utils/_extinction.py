"""Interstellar extinction curve: the CCM law with O'Donnell's optical coefficients.

Lives on the ground floor because both the generator (reddening of the
synthetic stars) and the networks' training-time augmentation (reddening of
a batch) need it.

References
----------
Cardelli, Clayton & Mathis 1989, ApJ 345, 245; O'Donnell 1994, ApJ 422, 158.
"""

import numpy as np

#: Total-to-selective extinction ratio of the diffuse ISM (Cardelli et al. 1989).
R_V = 3.1

#: O'Donnell (1994) optical polynomial coefficients of the CCM law, in powers
#: of y = 1/lambda[um] - 1.82 (valid for 1.1 <= 1/lambda <= 3.3 um^-1).
CCM_A = (1.0, 0.104, -0.609, 0.701, 1.137, -1.718, -0.827, 1.647, -0.505)
CCM_B = (0.0, 1.952, 2.908, -3.989, -7.985, 11.102, 5.491, -10.805, 3.347)


def ccm_extinction(wavelength, r_v=R_V):
    """Extinction per unit colour excess, ``A(lambda) / E(B-V)``.

    Parameters
    ----------
    wavelength : array-like
        Wavelengths in Angstrom, within the law's optical range (about
        3030-9090 A; the SDSS grid of the paper is 4000-9000 A).
    r_v : float, default=3.1
        Total-to-selective extinction ratio ``A(V) / E(B-V)``.

    Returns
    -------
    a_over_ebv : ndarray
        ``A(lambda) / E(B-V)``; a spectrum reddened by ``E(B-V)`` is the
        intrinsic one times ``10 ** (-0.4 * E(B-V) * a_over_ebv)``.

    Examples
    --------
    A(B) - A(V) is E(B-V) itself (B: 4400 A, V: 5500 A):

    >>> from skspec.utils import ccm_extinction
    >>> [round(float(a), 2) for a in ccm_extinction([4400.0, 5500.0])]
    [4.1, 3.1]
    """
    y = 1e4 / np.asarray(wavelength, float) - 1.82
    a = np.polyval(CCM_A[::-1], y)
    b = np.polyval(CCM_B[::-1], y)
    return a * r_v + b

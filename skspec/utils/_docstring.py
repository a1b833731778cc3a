"""Docstring templates: shared parameter text written once, filled into many classes."""


def fill_doc(**fragments):
    """Class decorator replacing ``{name}`` markers in the docstring by shared text.

    Parameters
    ----------
    **fragments : str
        Text for each marker, e.g. ``net_parameters=NET_PARAMETERS_DOC``.

    Returns
    -------
    decorate : callable
        The decorator.

    Examples
    --------
    >>> from skspec.utils._docstring import fill_doc
    >>> @fill_doc(unit="flux in 1e-17 erg/s/cm^2/A")
    ... class Spectrum:
    ...     '''Holds {unit}.'''
    >>> Spectrum.__doc__
    'Holds flux in 1e-17 erg/s/cm^2/A.'
    """

    def decorate(cls):
        doc = cls.__doc__
        for key, text in fragments.items():
            doc = doc.replace("{" + key + "}", text)
        cls.__doc__ = doc
        return cls

    return decorate

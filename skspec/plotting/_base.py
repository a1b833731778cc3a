"""What every plotting function shares: matplotlib on demand, a figure or axes to draw on."""

#: What to install when matplotlib is missing.
INSTALL_HINT = "pip install matplotlib"


def check_matplotlib(caller):
    """Import matplotlib or raise an ImportError that says what to install.

    Parameters
    ----------
    caller : str
        Name of the plotting function, for the message.

    Returns
    -------
    module
        The :mod:`matplotlib` module.
    """
    try:
        import matplotlib
    except ImportError as exc:
        raise ImportError(
            f"{caller} needs matplotlib, which is not installed: {INSTALL_HINT}"
        ) from exc
    return matplotlib


def new_figure(caller, figsize):
    """A new pyplot figure, so that notebooks and galleries show it.

    The command line and the reproduction pass their own
    :class:`~matplotlib.figure.Figure` instead and never touch pyplot.
    """
    check_matplotlib(caller)
    import matplotlib.pyplot as plt

    return plt.figure(figsize=figsize, layout="constrained")


def axes_or_new(ax, caller, figsize):
    """``ax`` itself, or the single axes of a new figure."""
    if ax is not None:
        return ax
    return new_figure(caller, figsize).subplots()

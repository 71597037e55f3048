"""Training captures: our capture signal, reamp checks and latency, torch models, losses, the
training loop and .nam export.

The capture signal (:mod:`.signal`), input recognition (:mod:`.inputs`) and checks
(:mod:`.checks`) need only NumPy; everything else needs torch (the ``train`` extra).
Nothing outside this package imports torch.
"""

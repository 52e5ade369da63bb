"""UNet (Ronneberger et al. 2015) as a deterministic speaker -> listener regressor (docs/baselines.md)."""

"""BeLFusion (Barquero et al. 2023) as the REACT 2024 challenge baseline: a GRU VAE over 50-frame
listener windows and a latent MLP diffusion conditioned on the speaker window (docs/baselines.md)."""

"""Trans-VAE, the REACT 2023/2024 challenge baseline (offline and online)."""

"""Huang et al. (BMVC 2018), stage 1 only: the shape GAN, an InfoGAN-style MLP U-Net over windows of
speaker frames (docs/baselines.md). react_bench/methods/window_gan.py holds the window-GAN plumbing
it shares with DyadGAN."""

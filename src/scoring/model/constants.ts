/** Fixed sizes and noise levels of the scoring passes (pure: read by the score registry's metadata too). */

/**
 * Noise of the ninaswot pass: N(0, 0.05²) added to the embedded inputs (uniform ±0.1), TNASSE's choice. At 0.01
 * (engine 2) the median bit-flip rate was 0.37 % and NINASWOT ranked cells like NASWOT (τ 0.98 between them).
 */
export const NINASWOT_NOISE_STD = 0.05;

/** Zen-NAS perturbation size. */
export const ZEN_ALPHA = 0.01;

/** Hidden-covariance pass sizes (Serianni & Kalita 2023): B = 50 sequences of T = 70 steps. */
export const HIDDEN_COV_BATCH = 50;
export const HIDDEN_COV_STEPS = 70;

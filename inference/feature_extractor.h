#pragma once
// Per-channel features of one window: time domain (RMS, peak, crest factor, kurtosis, skewness)
// and spectral (band powers, dominant frequency, spectral centroid) through one FFTW plan made at
// construction. Extract() does not allocate.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <fftw3.h>

namespace uplinkd::inference {

// Index of each feature inside one channel's block; band powers follow kFirstBand.
enum FeatureIndex : size_t {
  kRms = 0,
  kPeak,
  kCrestFactor,
  kKurtosis,   // m4 / m2^2 (a sine gives 1.5, Gaussian noise 3); 0 for a flat signal
  kSkewness,   // m3 / m2^1.5
  kDominantHz,
  kCentroidHz,
  kFirstBand,
};

class FeatureExtractor {
 public:
  // `band_count` equal-width bands from 0 Hz to Nyquist; a band's power is the mean-square of the
  // (mean-removed) signal that falls in it, so all bands sum to the variance (Parseval).
  FeatureExtractor(uint32_t window, uint32_t band_count);
  ~FeatureExtractor();
  FeatureExtractor(const FeatureExtractor&) = delete;
  FeatureExtractor& operator=(const FeatureExtractor&) = delete;

  size_t per_channel() const { return kFirstBand + band_count_; }
  uint32_t window() const { return window_; }
  uint32_t band_count() const { return band_count_; }
  // "ch<c>.<name>" for every feature of `channels` channels, in vector order.
  std::vector<std::string> Names(uint16_t channels) const;
  // True for scale-like features (RMS, peak, band powers) that a model should compare on a log scale.
  bool IsScaleLike(size_t index_in_channel) const;

  // Writes per_channel() values for one channel of `window()` samples at `sample_rate_hz`.
  void Extract(std::span<const float> samples, uint32_t sample_rate_hz, std::span<float> out);

 private:
  uint32_t window_;
  uint32_t band_count_;
  float* input_;           // fftwf_malloc'd, aligned for SIMD
  fftwf_complex* spectrum_;
  fftwf_plan plan_;
  std::vector<float> taper_;  // Hann window
  double taper_energy_;       // sum of taper^2, to undo the window's effect on power
  std::vector<double> power_; // one-sided power per bin
};

}  // namespace uplinkd::inference

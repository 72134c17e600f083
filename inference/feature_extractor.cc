#include "inference/feature_extractor.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include <fmt/format.h>

namespace uplinkd::inference {
namespace {
const char* const kTimeNames[] = {"rms", "peak", "crest", "kurtosis", "skewness", "dominant_hz", "centroid_hz"};
}  // namespace

FeatureExtractor::FeatureExtractor(uint32_t window, uint32_t band_count)
    : window_(window), band_count_(std::max<uint32_t>(band_count, 1)), taper_(window),
      power_(window / 2 + 1) {
  input_ = fftwf_alloc_real(window_);
  spectrum_ = fftwf_alloc_complex(window_ / 2 + 1);
  // FFTW_MEASURE once per window size; the plan is reused for every window after this.
  plan_ = fftwf_plan_dft_r2c_1d(static_cast<int>(window_), input_, spectrum_, FFTW_MEASURE);
  if (plan_ == nullptr) throw std::runtime_error("fftwf_plan_dft_r2c_1d failed");
  taper_energy_ = 0.0;
  for (uint32_t n = 0; n < window_; ++n) {
    taper_[n] = static_cast<float>(0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * n / window_));
    taper_energy_ += double{taper_[n]} * taper_[n];
  }
}

FeatureExtractor::~FeatureExtractor() {
  fftwf_destroy_plan(plan_);
  fftwf_free(spectrum_);
  fftwf_free(input_);
}

std::vector<std::string> FeatureExtractor::Names(uint16_t channels) const {
  std::vector<std::string> names;
  for (uint16_t c = 0; c < channels; ++c) {
    for (const char* name : kTimeNames) names.push_back(fmt::format("ch{}.{}", c, name));
    for (uint32_t b = 0; b < band_count_; ++b) names.push_back(fmt::format("ch{}.band{}", c, b));
  }
  return names;
}

bool FeatureExtractor::IsScaleLike(size_t index) const {
  return index == kRms || index == kPeak || index >= kFirstBand;
}

void FeatureExtractor::Extract(std::span<const float> samples, uint32_t sample_rate_hz, std::span<float> out) {
  const size_t n = window_;
  // Time domain: raw moments in double, then central moments.
  double sum = 0.0, sum_sq = 0.0, peak = 0.0;
  for (size_t i = 0; i < n; ++i) {
    double x = samples[i];
    sum += x;
    sum_sq += x * x;
    peak = std::max(peak, std::abs(x));
  }
  const double mean = sum / n;
  double m2 = 0.0, m3 = 0.0, m4 = 0.0;
  for (size_t i = 0; i < n; ++i) {
    double d = samples[i] - mean;
    double d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  const double rms = std::sqrt(sum_sq / n);
  // Below this the signal is flat (a dead sensor): shape statistics are undefined, report 0.
  const bool flat = m2 <= 1e-12 * std::max(1.0, mean * mean);
  out[kRms] = static_cast<float>(rms);
  out[kPeak] = static_cast<float>(peak);
  out[kCrestFactor] = rms > 0.0 ? static_cast<float>(peak / rms) : 0.0f;
  out[kKurtosis] = flat ? 0.0f : static_cast<float>(m4 / (m2 * m2));
  out[kSkewness] = flat ? 0.0f : static_cast<float>(m3 / std::pow(m2, 1.5));

  // Spectrum of the mean-removed, Hann-tapered window.
  for (size_t i = 0; i < n; ++i) input_[i] = static_cast<float>(samples[i] - mean) * taper_[i];
  fftwf_execute(plan_);
  const size_t bins = n / 2 + 1;
  const double norm = 1.0 / (static_cast<double>(n) * taper_energy_);
  for (size_t k = 0; k < bins; ++k) {
    double re = spectrum_[k][0], im = spectrum_[k][1];
    // One-sided: every bin except DC and Nyquist stands for its negative twin too.
    double twice = (k == 0 || (n % 2 == 0 && k == bins - 1)) ? 1.0 : 2.0;
    power_[k] = twice * (re * re + im * im) * norm;
  }
  const double bin_hz = static_cast<double>(sample_rate_hz) / n;
  double total = 0.0, weighted = 0.0;
  size_t best = 1;
  for (size_t k = 1; k < bins; ++k) {
    total += power_[k];
    weighted += power_[k] * k * bin_hz;
    if (power_[k] > power_[best]) best = k;
  }
  double dominant = 0.0;
  if (total > 0.0) {
    // Parabolic interpolation on log power places a tone between bins.
    double offset = 0.0;
    if (best > 1 && best + 1 < bins && power_[best - 1] > 0.0 && power_[best + 1] > 0.0) {
      double a = std::log(power_[best - 1]), b = std::log(power_[best]), c = std::log(power_[best + 1]);
      double denominator = a - 2.0 * b + c;
      if (denominator < 0.0) offset = std::clamp(0.5 * (a - c) / denominator, -0.5, 0.5);
    }
    dominant = (static_cast<double>(best) + offset) * bin_hz;
  }
  out[kDominantHz] = static_cast<float>(dominant);
  out[kCentroidHz] = total > 0.0 ? static_cast<float>(weighted / total) : 0.0f;
  // Band b holds the bins whose frequency is in [b, b+1) * Nyquist / bands (the last band also
  // holds Nyquist); DC is excluded because the mean was removed.
  float* bands = out.data() + kFirstBand;
  std::fill(bands, bands + band_count_, 0.0f);
  for (size_t k = 1; k < bins; ++k) {
    size_t band = std::min<size_t>(k * band_count_ / (bins - 1), band_count_ - 1);
    bands[band] += static_cast<float>(power_[k]);
  }
}

}  // namespace uplinkd::inference

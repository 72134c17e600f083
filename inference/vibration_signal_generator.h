#pragma once
// Synthetic rotating-machine vibration for tests, evaluation, demos and the benchmark: shaft
// harmonics with a wandering speed and load plus Gaussian noise, and optional faults (bearing
// defect impulses ringing a structural resonance, amplitude drift, a flat-lined or clipping sensor).
#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace uplinkd::inference {

enum class SignalFault { kNone, kBearingDefect, kAmplitudeDrift, kFlatLine, kClipping };

struct VibrationSignalSettings {
  uint32_t sample_rate_hz = 12'000;
  uint16_t channels = 1;
  double shaft_hz = 29.5;
  std::vector<double> harmonic_amplitudes = {1.0, 0.45, 0.2};
  double speed_wander = 0.01;  // relative, slow random walk of the shaft speed
  double load_wander = 0.08;   // relative, slow random walk of all amplitudes
  double noise_rms = 0.25;
  uint64_t seed = 1;

  SignalFault fault = SignalFault::kNone;
  double fault_severity = 1.0;  // impulse peak for bearings, gain per minute for drift, ...
  double defect_order = 3.58;   // bearing outer-race defect frequency in shaft orders
  double resonance_hz = 3'200;  // the structure the impacts excite
};

class VibrationSignalGenerator {
 public:
  explicit VibrationSignalGenerator(VibrationSignalSettings settings);

  // Appends `count` samples per channel, interleaved, continuing where the last call stopped.
  void Generate(size_t count, std::vector<float>& interleaved);
  void set_fault(SignalFault fault, double severity);
  const VibrationSignalSettings& settings() const { return settings_; }

 private:
  VibrationSignalSettings settings_;
  std::mt19937_64 random_;
  std::normal_distribution<double> gaussian_{0.0, 1.0};
  double shaft_phase_ = 0.0;  // radians
  double defect_phase_ = 0.0; // cycles of the defect frequency
  double speed_state_ = 0.0;  // unit-variance wander states
  double load_state_ = 0.0;
  double ring_ = 0.0;         // current amplitude of the ringing resonance
  double ring_phase_ = 0.0;
  uint64_t fault_samples_ = 0;
  std::vector<double> channel_gain_;
  std::vector<double> channel_phase_;
};

}  // namespace uplinkd::inference

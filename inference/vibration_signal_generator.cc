#include "inference/vibration_signal_generator.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace uplinkd::inference {

VibrationSignalGenerator::VibrationSignalGenerator(VibrationSignalSettings settings)
    : settings_(std::move(settings)), random_(settings_.seed) {
  // Each axis of a triaxial sensor sees the machine with its own gain and phase.
  for (uint16_t c = 0; c < settings_.channels; ++c) {
    channel_gain_.push_back(1.0 - 0.2 * c);
    channel_phase_.push_back(0.7 * c);
  }
}

void VibrationSignalGenerator::set_fault(SignalFault fault, double severity) {
  settings_.fault = fault;
  settings_.fault_severity = severity;
  fault_samples_ = 0;
}

void VibrationSignalGenerator::Generate(size_t count, std::vector<float>& interleaved) {
  const double dt = 1.0 / settings_.sample_rate_hz;
  const double two_pi = 2.0 * std::numbers::pi;
  // Speed and load wander as Ornstein-Uhlenbeck processes (unit variance, 20 s time constant).
  const double tau_s = 20.0;
  const double pull = dt / tau_s;
  const double kick = std::sqrt(2.0 * dt / tau_s);
  const double ring_decay = std::exp(-dt * 600.0);  // ~1.7 ms time constant
  const size_t base = interleaved.size();
  interleaved.resize(base + count * settings_.channels);
  for (size_t i = 0; i < count; ++i) {
    speed_state_ += -speed_state_ * pull + kick * gaussian_(random_);
    load_state_ += -load_state_ * pull + kick * gaussian_(random_);
    const double speed_factor = 1.0 + settings_.speed_wander * speed_state_;
    const double load_factor = std::max(0.1, 1.0 + settings_.load_wander * load_state_);
    const double shaft_hz = settings_.shaft_hz * speed_factor;
    shaft_phase_ = std::fmod(shaft_phase_ + two_pi * shaft_hz * dt, two_pi * 1000.0);

    double gain = load_factor;
    double impulse = 0.0;
    if (settings_.fault == SignalFault::kBearingDefect) {
      defect_phase_ += settings_.defect_order * shaft_hz * dt;
      if (defect_phase_ >= 1.0) {
        defect_phase_ -= 1.0;
        // Each roller hitting the defect kicks the resonance with a slightly random strength.
        ring_ += settings_.fault_severity * (0.8 + 0.4 * std::uniform_real_distribution<double>(0, 1)(random_));
      }
      ring_phase_ = std::fmod(ring_phase_ + two_pi * settings_.resonance_hz * dt, two_pi);
      impulse = ring_ * std::sin(ring_phase_);
      ring_ *= ring_decay;
    } else if (settings_.fault == SignalFault::kAmplitudeDrift) {
      // Gain grows by fault_severity per minute since the fault began (imbalance, looseness).
      gain *= 1.0 + settings_.fault_severity * static_cast<double>(fault_samples_) * dt / 60.0;
    }
    ++fault_samples_;
    for (uint16_t c = 0; c < settings_.channels; ++c) {
      double value = 0.0;
      for (size_t h = 0; h < settings_.harmonic_amplitudes.size(); ++h) {
        value += settings_.harmonic_amplitudes[h] * std::sin((h + 1) * shaft_phase_ + channel_phase_[c] * (h + 1));
      }
      value = value * gain * channel_gain_[c] + impulse * channel_gain_[c] + settings_.noise_rms * gaussian_(random_);
      if (settings_.fault == SignalFault::kFlatLine) {
        value = 0.02;  // a dead sensor reports its offset and nothing else
      } else if (settings_.fault == SignalFault::kClipping) {
        // An amplifier saturating at a fraction (severity) of the healthy peak.
        double limit = settings_.fault_severity;
        value = std::clamp(value, -limit, limit);
      }
      interleaved[base + i * settings_.channels + c] = static_cast<float>(value);
    }
  }
}

}  // namespace uplinkd::inference

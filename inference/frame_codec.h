#pragma once
// The binary sensor frame format (docs/inference.md, "Frame format"): a 40-byte little-endian
// header followed by interleaved samples. One frame per datagram on UDP and on the Unix socket.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/result.h"
#include "inference/sensor_frame.h"

namespace uplinkd::inference {

inline constexpr size_t kFrameHeaderSize = 40;
inline constexpr uint8_t kFrameVersion = 1;
inline constexpr uint16_t kMaxFrameChannels = 64;
inline constexpr uint32_t kMaxFrameSampleRateHz = 1'000'000;
// The largest datagram the receivers take (their buffer), hence the most samples one frame can
// hold (int16, the smallest sample). Explicit so no length arithmetic can wrap, even with a
// 32-bit size_t (armhf).
inline constexpr size_t kMaxFrameDatagramBytes = 65536;
inline constexpr uint32_t kMaxFrameSamples = (kMaxFrameDatagramBytes - kFrameHeaderSize) / 2;

class FrameCodec {
 public:
  // Decodes into `out`, reusing its sample buffer. Any structural problem (short or above
  // kMaxFrameDatagramBytes, wrong magic or version, more than kMaxFrameSamples, length mismatch, unknown sample type, non-finite sample) is an kInvalidArgument error
  // and leaves `out` unspecified.
  static Result<void> Decode(std::span<const uint8_t> bytes, SensorFrame& out);

  // Encodes `frame` with the given sample type; integer types store round(value / scale).
  static std::vector<uint8_t> Encode(const SensorFrame& frame, SampleType type = SampleType::kFloat32,
                                     float scale = 1.0f);
};

}  // namespace uplinkd::inference

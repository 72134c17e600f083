#include "inference/frame_codec.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <type_traits>

#include <fmt/format.h>

namespace uplinkd::inference {
namespace {

constexpr uint8_t kMagic[4] = {'U', 'P', 'S', 'F'};

// Byte-by-byte so the format is little-endian whatever the host is.
template <typename T>
T ReadLe(const uint8_t* p) {
  using U = std::make_unsigned_t<T>;
  U value = 0;
  for (size_t i = 0; i < sizeof(T); ++i) value = static_cast<U>(value | (static_cast<U>(p[i]) << (8 * i)));
  return static_cast<T>(value);
}

template <typename T>
void WriteLe(uint8_t* p, T value) {
  using U = std::make_unsigned_t<T>;
  U bits = static_cast<U>(value);
  for (size_t i = 0; i < sizeof(T); ++i) p[i] = static_cast<uint8_t>(bits >> (8 * i));
}

size_t SampleSize(uint8_t type) {
  switch (static_cast<SampleType>(type)) {
    case SampleType::kInt16: return 2;
    case SampleType::kInt32: return 4;
    case SampleType::kFloat32: return 4;
  }
  return 0;
}

}  // namespace

Result<void> FrameCodec::Decode(std::span<const uint8_t> bytes, SensorFrame& out) {
  if (bytes.size() < kFrameHeaderSize) {
    return MakeError(ErrorCode::kInvalidArgument, fmt::format("frame too short ({} bytes)", bytes.size()));
  }
  if (bytes.size() > kMaxFrameDatagramBytes) {
    return MakeError(ErrorCode::kInvalidArgument, fmt::format("frame too long ({} bytes)", bytes.size()));
  }
  const uint8_t* p = bytes.data();
  if (std::memcmp(p, kMagic, 4) != 0) return MakeError(ErrorCode::kInvalidArgument, "bad frame magic");
  if (p[4] != kFrameVersion) {
    return MakeError(ErrorCode::kInvalidArgument, fmt::format("unsupported frame version {}", p[4]));
  }
  uint8_t type = p[5];
  size_t sample_size = SampleSize(type);
  if (sample_size == 0) return MakeError(ErrorCode::kInvalidArgument, fmt::format("unknown sample type {}", type));
  uint16_t channels = ReadLe<uint16_t>(p + 6);
  if (channels == 0 || channels > kMaxFrameChannels) {
    return MakeError(ErrorCode::kInvalidArgument, fmt::format("bad channel count {}", channels));
  }
  uint32_t rate = ReadLe<uint32_t>(p + 12);
  if (rate == 0 || rate > kMaxFrameSampleRateHz) {
    return MakeError(ErrorCode::kInvalidArgument, fmt::format("bad sample rate {}", rate));
  }
  uint32_t per_channel = ReadLe<uint32_t>(p + 32);
  float scale = std::bit_cast<float>(ReadLe<uint32_t>(p + 36));
  if (!std::isfinite(scale) || scale == 0.0f) return MakeError(ErrorCode::kInvalidArgument, "bad scale");
  // Bounded before multiplying, and multiplied in 64 bits: with a 32-bit size_t a header saying
  // 2^30 float samples made count * 4 wrap to 0, matched a 40-byte datagram, and the resize below
  // then asked for 4 GiB.
  if (per_channel == 0 || per_channel > kMaxFrameSamples) {
    return MakeError(ErrorCode::kInvalidArgument, fmt::format("bad samples per channel {}", per_channel));
  }
  uint64_t total = static_cast<uint64_t>(per_channel) * channels;
  if (total > kMaxFrameSamples) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("{} samples x {} channels is more than {}", per_channel, channels, kMaxFrameSamples));
  }
  if (static_cast<uint64_t>(bytes.size() - kFrameHeaderSize) != total * sample_size) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("length {} does not match {} samples x {} channels", bytes.size(),
                                 per_channel, channels));
  }
  size_t count = static_cast<size_t>(total);
  out.stream_id = ReadLe<uint32_t>(p + 8);
  out.sample_rate_hz = rate;
  out.channel_count = channels;
  out.sequence = ReadLe<uint64_t>(p + 16);
  out.timestamp_ns = ReadLe<uint64_t>(p + 24);
  out.samples.resize(count);
  const uint8_t* s = p + kFrameHeaderSize;
  for (size_t i = 0; i < count; ++i, s += sample_size) {
    float value = 0.0f;
    switch (static_cast<SampleType>(type)) {
      case SampleType::kInt16: value = static_cast<float>(ReadLe<int16_t>(s)) * scale; break;
      case SampleType::kInt32: value = static_cast<float>(ReadLe<int32_t>(s)) * scale; break;
      case SampleType::kFloat32: value = std::bit_cast<float>(ReadLe<uint32_t>(s)) * scale; break;
    }
    if (!std::isfinite(value)) return MakeError(ErrorCode::kInvalidArgument, "non-finite sample");
    out.samples[i] = value;
  }
  return {};
}

std::vector<uint8_t> FrameCodec::Encode(const SensorFrame& frame, SampleType type, float scale) {
  size_t sample_size = SampleSize(static_cast<uint8_t>(type));
  std::vector<uint8_t> bytes(kFrameHeaderSize + frame.samples.size() * sample_size);
  uint8_t* p = bytes.data();
  std::memcpy(p, kMagic, 4);
  p[4] = kFrameVersion;
  p[5] = static_cast<uint8_t>(type);
  WriteLe<uint16_t>(p + 6, frame.channel_count);
  WriteLe<uint32_t>(p + 8, frame.stream_id);
  WriteLe<uint32_t>(p + 12, frame.sample_rate_hz);
  WriteLe<uint64_t>(p + 16, frame.sequence);
  WriteLe<uint64_t>(p + 24, frame.timestamp_ns);
  WriteLe<uint32_t>(p + 32, frame.samples_per_channel());
  WriteLe<uint32_t>(p + 36, std::bit_cast<uint32_t>(scale));
  uint8_t* s = p + kFrameHeaderSize;
  for (float value : frame.samples) {
    switch (type) {
      case SampleType::kInt16: {
        float raw = std::clamp(std::round(value / scale), -32768.0f, 32767.0f);
        WriteLe<int16_t>(s, static_cast<int16_t>(raw));
        break;
      }
      case SampleType::kInt32: {
        double raw = std::clamp(std::round(static_cast<double>(value) / scale), -2147483648.0, 2147483647.0);
        WriteLe<int32_t>(s, static_cast<int32_t>(raw));
        break;
      }
      case SampleType::kFloat32: WriteLe<uint32_t>(s, std::bit_cast<uint32_t>(value / scale)); break;
    }
    s += sample_size;
  }
  return bytes;
}

}  // namespace uplinkd::inference

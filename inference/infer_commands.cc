#include "inference/infer_commands.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "inference/baseline_model.h"
#include "inference/csv_sample_reader.h"
#include "inference/detection_evaluator.h"
#include "inference/fake_alert_sink.h"
#include "inference/feature_extractor.h"
#include "inference/frame_codec.h"
#include "inference/inference_pipeline.h"
#include "inference/kmeans_model.h"
#include "inference/model_file.h"
#include "inference/stream_windower.h"
#include "inference/vibration_signal_generator.h"

namespace uplinkd::inference {
namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "uplinkd-infer: %s\n", message.c_str());
  return 1;
}

// Reads a required or defaulted number, or prints why not.
#define NUMBER_OR_FAIL(variable, name, fallback)                 \
  double variable = 0.0;                                         \
  if (auto value = arguments.Number(name, fallback); !value) {   \
    return Fail(value.error().message);                          \
  } else {                                                       \
    variable = *value;                                           \
  }

std::optional<SignalFault> ParseFault(const std::string& name) {
  if (name == "none") return SignalFault::kNone;
  if (name == "bearing") return SignalFault::kBearingDefect;
  if (name == "drift") return SignalFault::kAmplitudeDrift;
  if (name == "flatline") return SignalFault::kFlatLine;
  if (name == "clipping") return SignalFault::kClipping;
  return std::nullopt;
}

uint64_t ReadStatusKb(const char* field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field, 0) == 0) return std::strtoull(line.c_str() + std::strlen(field), nullptr, 10);
  }
  return 0;
}

}  // namespace

std::optional<std::string> CommandArguments::Get(const std::string& name) const {
  auto it = options.find(name);
  if (it == options.end()) return std::nullopt;
  return it->second;
}

Result<double> CommandArguments::Number(const std::string& name, std::optional<double> fallback) const {
  auto text = Get(name);
  if (!text) {
    if (fallback) return *fallback;
    return MakeError(ErrorCode::kInvalidArgument, "--" + name + " is required");
  }
  char* end = nullptr;
  double value = std::strtod(text->c_str(), &end);
  if (end == text->c_str() || *end != '\0' || !std::isfinite(value)) {
    return MakeError(ErrorCode::kInvalidArgument, "--" + name + ": not a number: " + *text);
  }
  return value;
}

int TrainCommand(const CommandArguments& arguments) {
  auto csv_path = arguments.Get("csv");
  auto out_path = arguments.Get("out");
  if (!csv_path || !out_path) return Fail("train needs --csv FILE and --out MODEL");
  NUMBER_OR_FAIL(rate, "rate", std::nullopt);
  NUMBER_OR_FAIL(window, "window", 1024);
  NUMBER_OR_FAIL(hop, "hop", 512);
  NUMBER_OR_FAIL(bands, "bands", 8);
  NUMBER_OR_FAIL(quantile, "quantile", 0.999);
  NUMBER_OR_FAIL(margin, "margin", 1.5);
  NUMBER_OR_FAIL(clusters, "clusters", 4);
  std::string kind = arguments.Get("kind").value_or("kmeans");
  auto reader = CsvSampleReader::Open(*csv_path);
  if (!reader) return Fail(Describe(reader.error()));

  FeatureExtractor extractor(static_cast<uint32_t>(window), static_cast<uint32_t>(bands));
  const uint16_t channels = reader->channels();
  const size_t dimension = extractor.per_channel() * channels;
  std::vector<std::vector<float>> rows;
  StreamWindower windower(static_cast<uint32_t>(window), static_cast<uint32_t>(hop), 1, [&](const StreamWindow& w) {
    std::vector<float> row(dimension);
    for (uint16_t c = 0; c < channels; ++c) {
      extractor.Extract(w.channel(c), w.sample_rate_hz,
                        std::span<float>(row).subspan(c * extractor.per_channel(), extractor.per_channel()));
    }
    rows.push_back(std::move(row));
  });
  SensorFrame frame;
  frame.stream_id = 1;
  frame.sample_rate_hz = static_cast<uint32_t>(rate);
  frame.channel_count = channels;
  for (;;) {
    frame.samples.clear();
    auto read = reader->Read(4096, frame.samples);
    if (!read) return Fail(Describe(read.error()));
    if (*read == 0) break;
    windower.Push(frame);
    ++frame.sequence;
  }
  ModelInfo info;
  info.version = arguments.Get("version").value_or(
      fmt::format("{}-{}", kind, std::chrono::duration_cast<std::chrono::seconds>(
                                     std::chrono::system_clock::now().time_since_epoch()).count()));
  info.spec = FeatureSpec{static_cast<uint32_t>(window), windower.hop(), extractor.band_count(), channels,
                          static_cast<uint32_t>(rate)};
  info.feature_names = extractor.Names(channels);
  std::vector<bool> log_scale(dimension);
  for (size_t i = 0; i < dimension; ++i) log_scale[i] = extractor.IsScaleLike(i % extractor.per_channel());
  std::unique_ptr<AnomalyModel> model;
  if (kind == "baseline") {
    BaselineModel::FitOptions options;
    options.quantile = quantile;
    options.margin = margin;
    auto fitted = BaselineModel::Fit(rows, log_scale, info, options);
    if (!fitted) return Fail(fitted.error().message);
    model = std::move(*fitted);
  } else if (kind == "kmeans") {
    KMeansModel::FitOptions options;
    options.quantile = quantile;
    options.margin = margin;
    options.clusters = static_cast<size_t>(clusters);
    auto fitted = KMeansModel::Fit(rows, log_scale, info, options);
    if (!fitted) return Fail(fitted.error().message);
    model = std::move(*fitted);
  } else {
    return Fail("--kind must be baseline or kmeans");
  }
  std::string text = ModelFile::Serialize(*model, rows[rows.size() / 2]);
  // Read back what we wrote: a model that cannot pass its own self-test is never shipped.
  if (auto check = ModelFile::Parse(text); !check) return Fail("trained model fails its self-test: " + check.error().message);
  if (auto written = ModelFile::WriteAtomically(*out_path, text); !written) return Fail(Describe(written.error()));
  std::printf("trained %s model %s from %zu windows of %u channel(s): threshold %.4f -> %s\n", kind.c_str(),
              model->info().version.c_str(), rows.size(), channels, model->info().threshold, out_path->c_str());
  return 0;
}

int ReplayCommand(const CommandArguments& arguments) {
  auto csv_path = arguments.Get("csv");
  if (!csv_path) return Fail("replay needs --csv FILE");
  NUMBER_OR_FAIL(rate, "rate", std::nullopt);
  NUMBER_OR_FAIL(window, "window", 1024);
  NUMBER_OR_FAIL(hop, "hop", 512);
  NUMBER_OR_FAIL(bands, "bands", 8);
  NUMBER_OR_FAIL(learn_windows, "learn-windows", 500);
  NUMBER_OR_FAIL(stream_id, "stream", 1);
  auto reader = CsvSampleReader::Open(*csv_path);
  if (!reader) return Fail(Describe(reader.error()));

  PipelineSettings settings;
  settings.window = static_cast<uint32_t>(window);
  settings.hop = static_cast<uint32_t>(hop);
  settings.band_count = static_cast<uint32_t>(bands);
  settings.learn_windows = static_cast<uint32_t>(learn_windows);
  FakeAlertSink sink;
  InferencePipeline pipeline(settings, sink);
  const auto id = static_cast<uint32_t>(stream_id);
  if (auto model_path = arguments.Get("model")) {
    auto model = ModelFile::Load(*model_path);
    if (!model) return Fail(Describe(model.error()));
    if (auto installed = pipeline.InstallModel(id, std::move(*model)); !installed) return Fail(installed.error().message);
  }
  pipeline.set_window_observer([&](const WindowResult& result) {
    nlohmann::json line = {{"stream", result.stream_id}, {"t", std::round(result.time_s * 1e4) / 1e4}};
    if (result.phase == WindowPhase::kLearning) {
      line["phase"] = "learning";
    } else {
      line["phase"] = "scored";
      line["score"] = std::round(result.score * 1e4) / 1e4;
      line["threshold"] = std::round(result.threshold * 1e4) / 1e4;
      line["alert"] = SeverityName(result.severity);
      if (result.event != nullptr) {
        line["event"] = AlertStateName(result.event->state);
        line["key"] = result.event->key;
        nlohmann::json top = nlohmann::json::array();
        for (const auto& f : result.event->top_features) top.push_back({{"name", f.name}, {"share", std::round(f.share * 1e3) / 1e3}});
        line["top_features"] = top;
      }
    }
    std::puts(line.dump().c_str());
  });
  // The same ingest path as the sockets: frames are encoded to the wire format and decoded again.
  SensorFrame frame, decoded;
  frame.stream_id = id;
  frame.sample_rate_hz = static_cast<uint32_t>(rate);
  frame.channel_count = reader->channels();
  for (;;) {
    frame.samples.clear();
    auto read = reader->Read(256, frame.samples);
    if (!read) return Fail(Describe(read.error()));
    if (*read == 0) break;
    auto bytes = FrameCodec::Encode(frame);
    if (auto ok = FrameCodec::Decode(bytes, decoded); !ok) return Fail(ok.error().message);
    pipeline.PushFrame(decoded);
    ++frame.sequence;
  }
  return 0;
}

int CheckModelCommand(const CommandArguments& arguments) {
  if (arguments.positional.size() != 1) return Fail("check-model needs one model file");
  auto model = ModelFile::Load(arguments.positional[0]);
  if (!model) return Fail(Describe(model.error()));
  const ModelInfo& info = (*model)->info();
  std::printf("%s: %s model %s, %zu features, %u channel(s) at %u Hz, window %u hop %u, threshold %.4f: ok\n",
              arguments.positional[0].c_str(), info.kind.c_str(), info.version.c_str(), info.feature_names.size(),
              info.spec.channels, info.spec.sample_rate_hz, info.spec.window, info.spec.hop, info.threshold);
  return 0;
}

int GenerateCommand(const CommandArguments& arguments) {
  auto out_path = arguments.Get("out");
  if (!out_path) return Fail("generate needs --out CSV");
  NUMBER_OR_FAIL(seconds, "seconds", std::nullopt);
  NUMBER_OR_FAIL(rate, "rate", 12000);
  NUMBER_OR_FAIL(channels, "channels", 1);
  NUMBER_OR_FAIL(seed, "seed", 1);
  NUMBER_OR_FAIL(severity, "severity", 1.0);
  NUMBER_OR_FAIL(fault_after, "fault-after", 0.0);
  auto fault = ParseFault(arguments.Get("fault").value_or("none"));
  if (!fault) return Fail("--fault must be none, bearing, drift, flatline or clipping");
  VibrationSignalSettings settings;
  settings.sample_rate_hz = static_cast<uint32_t>(rate);
  settings.channels = static_cast<uint16_t>(channels);
  settings.seed = static_cast<uint64_t>(seed);
  VibrationSignalGenerator generator(settings);
  std::FILE* out = std::fopen(out_path->c_str(), "w");
  if (out == nullptr) return Fail("cannot write " + *out_path);
  const auto total = static_cast<size_t>(seconds * rate);
  const auto onset = static_cast<size_t>(fault_after * rate);
  std::vector<float> block;
  for (size_t done = 0; done < total;) {
    if (done == onset && *fault != SignalFault::kNone) generator.set_fault(*fault, severity);
    size_t count = std::min<size_t>({4096, total - done, done < onset ? onset - done : total - done});
    block.clear();
    generator.Generate(count, block);
    for (size_t i = 0; i < count; ++i) {
      for (uint16_t c = 0; c < settings.channels; ++c) {
        std::fprintf(out, c == 0 ? "%.6g" : ",%.6g", static_cast<double>(block[i * settings.channels + c]));
      }
      std::fputc('\n', out);
    }
    done += count;
  }
  return std::fclose(out) == 0 ? 0 : Fail("write failed: " + *out_path);
}

int EvaluateCommand(const CommandArguments& arguments) {
  EvaluationSettings settings;
  NUMBER_OR_FAIL(train_minutes, "train-minutes", 5);
  NUMBER_OR_FAIL(healthy_minutes, "healthy-minutes", 60);
  NUMBER_OR_FAIL(episodes, "episodes", 5);
  NUMBER_OR_FAIL(seed, "seed", 1);
  NUMBER_OR_FAIL(channels, "channels", 1);
  NUMBER_OR_FAIL(k, "k", settings.pipeline.alert_policy.k);
  NUMBER_OR_FAIL(n, "n", settings.pipeline.alert_policy.n);
  NUMBER_OR_FAIL(margin, "margin", settings.pipeline.baseline_margin);
  settings.train_minutes = train_minutes;
  settings.healthy_minutes = healthy_minutes;
  settings.episodes_per_fault = static_cast<int>(episodes);
  settings.signal.seed = static_cast<uint64_t>(seed);
  settings.signal.channels = static_cast<uint16_t>(channels);
  settings.pipeline.alert_policy.k = static_cast<uint32_t>(k);
  settings.pipeline.alert_policy.n = static_cast<uint32_t>(n);
  settings.pipeline.baseline_margin = margin;
  EvaluationReport report = DetectionEvaluator(settings).Run();
  for (const auto& fault : report.faults) {
    std::printf("fault %-16s detected %d/%d  mean latency %.2f s\n", fault.fault.c_str(), fault.detected,
                fault.episodes, fault.mean_latency_s);
  }
  std::printf("evaluate detection_rate=%.3f false_alarms=%d healthy_hours=%.2f false_alarms_per_hour=%.2f\n",
              report.detection_rate(), report.false_alarms, report.healthy_hours, report.false_alarms_per_hour());
  return 0;
}

int BenchCommand(const CommandArguments& arguments) {
  NUMBER_OR_FAIL(seconds, "seconds", 120);
  NUMBER_OR_FAIL(channels, "channels", 3);
  NUMBER_OR_FAIL(rate, "rate", 12000);
  PipelineSettings settings;  // 1024-sample windows, 50% hop
  settings.learn_windows = 1000;
  FakeAlertSink sink;
  InferencePipeline pipeline(settings, sink);
  VibrationSignalSettings signal;
  signal.sample_rate_hz = static_cast<uint32_t>(rate);
  signal.channels = static_cast<uint16_t>(channels);
  VibrationSignalGenerator generator(signal);

  // Frames of one hop each: every frame completes exactly one window, so the time to decode and
  // push one frame is one window's latency from datagram to decision. Generation is not timed.
  SensorFrame frame, decoded;
  frame.stream_id = 1;
  frame.sample_rate_hz = signal.sample_rate_hz;
  frame.channel_count = signal.channels;
  auto next_bytes = [&] {
    frame.samples.clear();
    generator.Generate(settings.hop, frame.samples);
    ++frame.sequence;
    return FrameCodec::Encode(frame);
  };
  // Learning (and the baseline fit) first, untimed.
  while (pipeline.model(1) == nullptr) {
    auto bytes = next_bytes();
    (void)FrameCodec::Decode(bytes, decoded);
    pipeline.PushFrame(decoded);
  }
  uint64_t windows_before = pipeline.windower_stats().windows;
  const auto frames = static_cast<size_t>(seconds * rate / settings.hop);
  std::vector<double> latencies_us, cpu_us;
  latencies_us.reserve(frames);
  cpu_us.reserve(frames);
  // Thread CPU time beside wall time: on a shared machine the wall p99 includes preemption.
  auto thread_cpu_s = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + ts.tv_nsec * 1e-9;
  };
  double busy_s = 0.0;
  // Half of a fault-free run, then a bearing fault so that alert events are part of the load.
  for (size_t i = 0; i < frames; ++i) {
    if (i == frames / 2) generator.set_fault(SignalFault::kBearingDefect, 1.0);
    auto bytes = next_bytes();
    auto start = std::chrono::steady_clock::now();
    double cpu_start = thread_cpu_s();
    (void)FrameCodec::Decode(bytes, decoded);
    pipeline.PushFrame(decoded);
    cpu_us.push_back((thread_cpu_s() - cpu_start) * 1e6);
    auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    busy_s += elapsed;
    latencies_us.push_back(elapsed * 1e6);
  }
  uint64_t windows = pipeline.windower_stats().windows - windows_before;
  std::sort(latencies_us.begin(), latencies_us.end());
  std::sort(cpu_us.begin(), cpu_us.end());
  auto percentile = [&](double q) { return latencies_us[static_cast<size_t>(q * (latencies_us.size() - 1))]; };
  const double windows_per_s = windows / busy_s;
  const double realtime_windows_per_s = rate / settings.hop;
  std::printf("bench: %u channel(s) at %.0f Hz, window %u hop %u, %llu windows (%.0f s of signal), %zu alert events\n",
              signal.channels, rate, settings.window, settings.hop, static_cast<unsigned long long>(windows), seconds,
              sink.events.size());
  std::printf("bench: latency p50 %.1f us, p99 %.1f us, max %.1f us (thread CPU p99 %.1f us); %.0fx real time; "
              "peak RSS %llu kB\n",
              percentile(0.5), percentile(0.99), latencies_us.back(), cpu_us[static_cast<size_t>(0.99 * (cpu_us.size() - 1))],
              windows_per_s / realtime_windows_per_s,
              static_cast<unsigned long long>(ReadStatusKb("VmHWM:")));
  std::printf("inference windows_per_s=%.0f p99_us=%.0f rss_kb=%llu\n", windows_per_s, percentile(0.99),
              static_cast<unsigned long long>(ReadStatusKb("VmRSS:")));
  return 0;
}

}  // namespace uplinkd::inference

#include "inference/inference_pipeline.h"

#include <chrono>

#include <fmt/format.h>

#include "inference/baseline_model.h"
#include "inference/model_file.h"

namespace uplinkd::inference {

InferencePipeline::InferencePipeline(PipelineSettings settings, AlertSink& sink)
    : settings_(std::move(settings)), sink_(sink),
      windower_(settings_.window, settings_.hop, settings_.max_streams,
                [this](const StreamWindow& window) { OnWindow(window); }),
      extractor_(settings_.window, settings_.band_count), wall_clock_([] {
        return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count());
      }) {}

void InferencePipeline::PushFrame(const SensorFrame& frame) { windower_.Push(frame); }

FeatureSpec InferencePipeline::SpecFor(uint16_t channels, uint32_t sample_rate_hz) const {
  return FeatureSpec{settings_.window, windower_.hop(), extractor_.band_count(), channels, sample_rate_hz};
}

const AnomalyModel* InferencePipeline::model(uint32_t stream_id) const {
  auto it = streams_.find(stream_id);
  if (it != streams_.end()) return it->second.model.get();
  auto waiting = waiting_models_.find(stream_id);
  return waiting == waiting_models_.end() ? nullptr : waiting->second.get();
}

Result<void> InferencePipeline::CheckCompatible(const AnomalyModel& model, const Stream* stream) const {
  const FeatureSpec& spec = model.info().spec;
  if (spec.window != settings_.window || spec.hop != windower_.hop() || spec.band_count != extractor_.band_count()) {
    return MakeError(ErrorCode::kRejected,
                     fmt::format("model {} wants window {} hop {} bands {}, the pipeline runs {} / {} / {}",
                                 model.info().version, spec.window, spec.hop, spec.band_count, settings_.window,
                                 windower_.hop(), extractor_.band_count()));
  }
  if (model.info().feature_names.size() != extractor_.per_channel() * spec.channels) {
    return MakeError(ErrorCode::kRejected, "model feature count does not match its channel count");
  }
  if (stream != nullptr && (spec.channels != stream->channels || spec.sample_rate_hz != stream->sample_rate_hz)) {
    return MakeError(ErrorCode::kRejected,
                     fmt::format("model {} is for {} channels at {} Hz, stream {} has {} at {} Hz",
                                 model.info().version, spec.channels, spec.sample_rate_hz, stream->name,
                                 stream->channels, stream->sample_rate_hz));
  }
  return {};
}

Result<void> InferencePipeline::InstallModel(uint32_t stream_id, std::unique_ptr<AnomalyModel> model) {
  if (!model) return MakeError(ErrorCode::kInvalidArgument, "no model");
  auto it = streams_.find(stream_id);
  Stream* stream = it == streams_.end() ? nullptr : &it->second;
  if (auto ok = CheckCompatible(*model, stream); !ok) return ok;
  log_.Notice("stream {}: model {} ({}, threshold {:.3f}) installed", stream_id, model->info().version,
              model->info().kind, model->info().threshold);
  if (stream == nullptr) {
    waiting_models_[stream_id] = std::move(model);
  } else {
    stream->model = std::move(model);
    stream->learning_rows.clear();
    stream->learning_rows.shrink_to_fit();
  }
  return {};
}

InferencePipeline::Stream& InferencePipeline::StreamFor(const StreamWindow& window) {
  auto it = streams_.find(window.stream_id);
  if (it != streams_.end() && it->second.channels == window.channel_count &&
      it->second.sample_rate_hz == window.sample_rate_hz) {
    return it->second;
  }
  if (it != streams_.end()) {
    log_.Warning("stream {}: format changed to {} channels at {} Hz; relearning", it->second.name,
                 window.channel_count, window.sample_rate_hz);
    streams_.erase(it);
  }
  Stream stream;
  auto name = settings_.stream_names.find(window.stream_id);
  stream.name = name != settings_.stream_names.end() ? name->second : fmt::format("stream-{}", window.stream_id);
  stream.channels = window.channel_count;
  stream.sample_rate_hz = window.sample_rate_hz;
  stream.features.resize(extractor_.per_channel() * window.channel_count);
  stream.tracker = std::make_unique<AlertTracker>(settings_.alert_policy);
  auto waiting = waiting_models_.find(window.stream_id);
  if (waiting != waiting_models_.end()) {
    if (auto ok = CheckCompatible(*waiting->second, &stream); ok) {
      stream.model = std::move(waiting->second);
    } else {
      log_.Error("stream {}: configured model refused: {}; learning a baseline instead", stream.name,
                 ok.error().message);
    }
    waiting_models_.erase(waiting);
  }
  if (!stream.model) stream.learning_rows.reserve(size_t{settings_.learn_windows} * stream.features.size());
  return streams_.emplace(window.stream_id, std::move(stream)).first->second;
}

void InferencePipeline::OnWindow(const StreamWindow& window) {
  Stream& stream = StreamFor(window);
  const size_t per_channel = extractor_.per_channel();
  for (uint16_t c = 0; c < window.channel_count; ++c) {
    extractor_.Extract(window.channel(c), window.sample_rate_hz,
                       std::span<float>(stream.features).subspan(c * per_channel, per_channel));
  }
  WindowResult result;
  result.stream_id = window.stream_id;
  result.end_sample = window.end_sample;
  result.time_s = static_cast<double>(window.end_sample + 1) / window.sample_rate_hz;
  if (!stream.model) {
    stream.learning_rows.insert(stream.learning_rows.end(), stream.features.begin(), stream.features.end());
    if (stream.learning_rows.size() >= size_t{settings_.learn_windows} * stream.features.size()) {
      FinishLearning(window.stream_id, stream);
    }
    if (observer_) observer_(result);
    return;
  }
  AnomalyModel& model = *stream.model;
  model.Score(stream.features, stream.score);
  result.phase = WindowPhase::kScored;
  result.score = stream.score.score;
  result.threshold = model.info().threshold;
  result.model_score = &stream.score;
  result.model = &model;
  auto decision = stream.tracker->Observe(result.time_s, result.score, result.threshold);
  AlertEvent event;
  if (decision) {
    if (decision->state == AlertState::kRaised) {
      stream.alert_key = fmt::format("{}#{}", stream.name, ++stream.alert_number);
    }
    event = MakeEvent(window.stream_id, stream, window, decision->state, decision->severity);
    log_.Notice("stream {}: alert {} {} ({}; score {:.2f}, threshold {:.2f})", stream.name, event.key,
                AlertStateName(event.state), SeverityName(event.severity), event.score, event.threshold);
    sink_.Submit(event);
    result.event = &event;
  }
  result.alert_active = stream.tracker->active();
  result.severity = stream.tracker->reported_severity();
  if (observer_) observer_(result);
}

AlertEvent InferencePipeline::MakeEvent(uint32_t stream_id, Stream& stream, const StreamWindow& window,
                                        AlertState state, AlertSeverity severity) const {
  const AnomalyModel& model = *stream.model;
  AlertEvent event;
  event.key = stream.alert_key;
  event.state = state;
  event.severity = severity;
  event.stream_id = stream_id;
  event.stream_name = stream.name;
  event.score = stream.score.score;
  event.threshold = model.info().threshold;
  event.model_version = model.info().version;
  for (size_t i = 0; i < stream.score.top_count; ++i) {
    const auto& top = stream.score.top[i];
    event.top_features.push_back({model.info().feature_names[top.index], top.share});
  }
  event.time_ns = window.end_timestamp_ns != 0 ? window.end_timestamp_ns : wall_clock_();
  return event;
}

void InferencePipeline::FinishLearning(uint32_t stream_id, Stream& stream) {
  const size_t dimension = stream.features.size();
  std::vector<std::vector<float>> rows;
  for (size_t offset = 0; offset + dimension <= stream.learning_rows.size(); offset += dimension) {
    rows.emplace_back(stream.learning_rows.begin() + static_cast<std::ptrdiff_t>(offset),
                      stream.learning_rows.begin() + static_cast<std::ptrdiff_t>(offset + dimension));
  }
  ModelInfo info;
  info.version = fmt::format("baseline-{}-{}", stream.name, wall_clock_() / 1'000'000'000ULL);
  info.spec = SpecFor(stream.channels, stream.sample_rate_hz);
  info.feature_names = extractor_.Names(stream.channels);
  std::vector<bool> log_scale(dimension);
  for (size_t i = 0; i < dimension; ++i) log_scale[i] = extractor_.IsScaleLike(i % extractor_.per_channel());
  BaselineModel::FitOptions options;
  options.quantile = settings_.baseline_quantile;
  options.margin = settings_.baseline_margin;
  auto model = BaselineModel::Fit(rows, std::move(log_scale), std::move(info), options);
  stream.learning_rows.clear();
  if (!model) {
    log_.Error("stream {}: baseline not learned: {}; learning again", stream.name, model.error().message);
    return;
  }
  log_.Notice("stream {}: baseline {} learned from {} windows, threshold {:.3f}", stream.name,
              (*model)->info().version, rows.size(), (*model)->info().threshold);
  if (!settings_.baseline_dir.empty()) {
    std::string path = fmt::format("{}/stream-{}.model", settings_.baseline_dir, stream_id);
    auto written = ModelFile::WriteAtomically(path, ModelFile::Serialize(**model, rows[rows.size() / 2]));
    if (!written) log_.Warning("stream {}: baseline not saved: {}", stream.name, Describe(written.error()));
  }
  stream.learning_rows.shrink_to_fit();
  stream.model = std::move(*model);
}

}  // namespace uplinkd::inference

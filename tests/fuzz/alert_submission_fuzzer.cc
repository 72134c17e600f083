// Alert submissions (inference/alert_submission_codec): any datagram parses or is refused with a
// stable code; a parsed one has the documented fields; replies round-trip.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "inference/alert_submission_codec.h"

using uplinkd::inference::AlertSubmissionCodec;
using uplinkd::inference::AlertSubmissionReply;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view datagram(reinterpret_cast<const char*>(data), size);
  auto submission = AlertSubmissionCodec::ParseSubmission(datagram);
  if (submission) {
    if (!submission->payload.is_object()) std::abort();
    if (submission->id && (submission->id->empty() || submission->id->size() > 128)) std::abort();
    if (submission->severity != "info" && submission->severity != "warning" && submission->severity != "major" &&
        submission->severity != "critical") {
      std::abort();
    }
  } else if (submission.error().message.empty()) {
    std::abort();
  }
  // The sender's side parses the relay's replies: anything, then a reply that must round-trip.
  auto reply = AlertSubmissionCodec::ParseReply(datagram);
  if (reply) {
    auto again = AlertSubmissionCodec::ParseReply(AlertSubmissionCodec::EncodeReply(*reply));
    if (!again || again->ok != reply->ok || again->id != reply->id || again->ref != reply->ref ||
        again->error != reply->error || again->retryable != reply->retryable) {
      std::abort();
    }
  }
  return 0;
}

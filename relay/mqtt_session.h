#pragma once
// One MQTT connection attempt to the broker, as the delivery state machine sees it. A session
// connects once; when it ends (refused, lost, closed) the deliverer makes a new one, so nothing a
// dead connection queued (libmosquitto's own resend queue) survives it: the outbox is the only
// source of what still has to go. The real one is MosquittoMqttSession; tests use a fake.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace uplinkd::relay {

// How the session's socket is placed and classified. The daemon sets the common part through
// AlertRelay::SetSocketOptions (the alert lane's skb priority, marks, the minimum RTO) and the
// per-Wan part through AlertRelay::SetRoutes (a Wan's source address or device).
struct SocketOptions {
  std::optional<uint32_t> mark;      // SO_MARK (fwmark for policy routing and nftables)
  std::optional<uint32_t> priority;  // SO_PRIORITY (skb->priority: an HTB class id such as 0x10010)
  std::string bind_device;           // SO_BINDTODEVICE; empty: any
  std::string bind_address;          // local source address; empty: the kernel chooses
  // TCP_RTO_MIN_US (Linux >= 6.15), best effort: on a lossy cellular link a lost PUBLISH otherwise
  // waits at least the kernel's 200 ms minimum retransmission timeout.
  std::optional<uint32_t> rto_min_us;
  // DNS servers for the broker's name on this path (a Wan's own, from its bearer or config);
  // empty: the system's. The queries leave from bind_address / bind_device.
  std::vector<std::string> dns_servers;
  friend bool operator==(const SocketOptions&, const SocketOptions&) = default;
};

// Handlers are called from the event loop, never from inside a session method.
struct MqttSessionHandlers {
  std::function<void()> on_connected;                          // CONNACK accepted
  std::function<void(const std::string& reason)> on_ended;     // refused, lost or failed
  std::function<void(int message_id)> on_acknowledged;         // PUBACK (QoS 1)
};

class MqttSession {
 public:
  virtual ~MqttSession() = default;
  // Starts connecting; the outcome arrives through the handlers.
  virtual Result<void> Connect() = 0;
  // Queues a PUBLISH; returns its message id.
  virtual Result<int> Publish(const std::string& topic, const std::string& payload, int qos) = 0;
  // Applies changed socket options to the live connection (marks and priority only).
  virtual void ApplySocketOptions(const SocketOptions& options) = 0;
};

// `path`: the Wan the session is bound to ("" for the one unbound session). Sessions of one relay
// must not share an MQTT client id (a broker drops the older of two), so the path goes into it.
using MqttSessionFactory = std::function<Result<std::unique_ptr<MqttSession>>(
    const std::string& path, const SocketOptions& options, MqttSessionHandlers handlers)>;

}  // namespace uplinkd::relay

#include "net/fake_netlink_monitor.h"

#include <boost/asio/post.hpp>

namespace uplinkd::net {

namespace {
LinkEvent ToEvent(const Link& link, bool removed) {
  return LinkEvent{.index = link.index, .name = link.name, .admin_up = link.admin_up, .carrier = link.carrier,
                   .mtu = link.mtu, .removed = removed};
}
}  // namespace

FakeNetlinkMonitor::FakeNetlinkMonitor(FakeRoutingEdge& kernel) : kernel_(&kernel) {}

FakeNetlinkMonitor::~FakeNetlinkMonitor() { Stop(); }

Result<void> FakeNetlinkMonitor::Start(NetlinkHandlers handlers) {
  if (started_) return MakeError(ErrorCode::kInvalidArgument, "netlink monitor already started");
  started_ = true;
  handlers_ = std::move(handlers);
  if (kernel_) {
    kernel_->AddListener(this);
    auto links = kernel_->ListLinks();
    auto addresses = kernel_->ListAddresses(0);
    if (!links || !addresses) {
      started_ = false;
      kernel_->RemoveListener(this);
      return tl::unexpected(links ? addresses.error() : links.error());
    }
    for (const auto& link : *links) Queue(ToEvent(link, false));
    for (const auto& address : *addresses) {
      Queue(AddressEvent{.link_index = address.link_index, .prefix = address.prefix, .removed = false});
    }
    Queue(Synced{});
  }
  return {};
}

void FakeNetlinkMonitor::Stop() {
  if (!started_) return;
  started_ = false;
  if (kernel_) kernel_->RemoveListener(this);
  handlers_ = {};
  queue_.clear();
}

void FakeNetlinkMonitor::QueueLink(const LinkEvent& event) { Queue(event); }
void FakeNetlinkMonitor::QueueAddress(const AddressEvent& event) { Queue(event); }
void FakeNetlinkMonitor::QueueSynced() { Queue(Synced{}); }
void FakeNetlinkMonitor::QueueOwnedRoutingRemoved(const OwnedRoutingRemovedEvent& event) { Queue(event); }

void FakeNetlinkMonitor::Queue(Event event) {
  if (!started_) return;  // nobody subscribed: the kernel's message goes nowhere
  queue_.push_back(std::move(event));
  if (io_) {
    boost::asio::post(*io_, [weak = std::weak_ptr<FakeNetlinkMonitor*>(alive_)] {
      if (auto monitor = weak.lock()) (*monitor)->DeliverPending();
    });
  }
}

size_t FakeNetlinkMonitor::DeliverPending() {
  size_t delivered = 0;
  while (started_ && !queue_.empty()) {
    Event event = std::move(queue_.front());
    queue_.pop_front();
    ++delivered;
    // Copy the handler: it may call Stop(), which clears handlers_.
    if (auto* link = std::get_if<LinkEvent>(&event)) {
      if (auto handler = handlers_.on_link) handler(*link);
    } else if (auto* address = std::get_if<AddressEvent>(&event)) {
      if (auto handler = handlers_.on_address) handler(*address);
    } else if (auto* owned = std::get_if<OwnedRoutingRemovedEvent>(&event)) {
      if (auto handler = handlers_.on_owned_routing_removed) handler(*owned);
    } else if (auto handler = handlers_.on_synced) {
      handler();
    }
  }
  return delivered;
}

void FakeNetlinkMonitor::OnLinkChanged(const Link& link, bool removed) { Queue(ToEvent(link, removed)); }

void FakeNetlinkMonitor::OnAddressChanged(const InterfaceAddress& address, bool removed) {
  Queue(AddressEvent{.link_index = address.link_index, .prefix = address.prefix, .removed = removed});
}

}  // namespace uplinkd::net

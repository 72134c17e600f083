#include "modem/sdbus_modem_manager_edge.h"

#include <algorithm>

#include <sdbus-c++/sdbus-c++.h>

// Generated at build time by sdbus-c++-xml2cpp from ModemManager's XML (see CMakeLists.txt).
#include "mm_bearer_proxy.h"
#include "mm_modem_proxy.h"
#include "mm_modem_signal_proxy.h"
#include "mm_modem_simple_proxy.h"
#include "mm_sim_proxy.h"

#include "base/logger.h"
#include "modem/modem_manager_properties.h"

namespace uplinkd::modem {
namespace {

namespace generated = org::freedesktop::ModemManager1;
using mm::PropertyMap;
using InterfaceMap = std::map<std::string, PropertyMap>;
using ManagedObjects = std::map<sdbus::ObjectPath, InterfaceMap>;

constexpr auto kDiscoveryTimeout = std::chrono::seconds(30);
constexpr const char* kObjectManagerInterface = "org.freedesktop.DBus.ObjectManager";
constexpr const char* kPropertiesInterface = "org.freedesktop.DBus.Properties";

ModemCallResult<void> ToResult(const sdbus::Error* error) {
  if (error) return tl::unexpected(MakeModemCallError(error->getName(), error->getMessage()));
  return {};
}

}  // namespace

class SdbusModemManagerEdge::Impl {
 public:
  Impl(sdbus::IConnection& connection, Scheduler& scheduler, std::function<void()> wake_loop, std::string service)
      : connection_(connection), scheduler_(scheduler), wake_loop_(std::move(wake_loop)), service_(std::move(service)) {}
  ~Impl() {
    // Proxies go first: their pending calls and signal matches die with them.
    modems_.clear();
    manager_.reset();
    bus_proxy_.reset();
  }

  void Start(Listener listener);
  void SendPin(const std::string& path, const std::string& pin, Timeout timeout, Done done);
  void Enable(const std::string& path, bool enable, Timeout timeout, Done done);
  void Connect(const std::string& path, const ConnectSettings& settings, Timeout timeout, Connected done);
  void Disconnect(const std::string& path, const std::string& bearer_path, Timeout timeout, Done done);
  void Reset(const std::string& path, Timeout timeout, Done done);
  void SetupSignal(const std::string& path, uint32_t rate, Timeout timeout, Done done);

  // From the proxies.
  void OnInterfacesAdded(const std::string& path, const InterfaceMap& interfaces);
  void OnInterfacesRemoved(const std::string& path, const std::vector<std::string>& interfaces);
  void OnModemProperties(const std::string& path, const std::string& interface, const PropertyMap& changed);
  void OnModemState(const std::string& path, int32_t state);
  void OnSimProperties(const std::string& path, const std::string& sim_path, const PropertyMap& changed);
  void OnBearerProperties(const std::string& path, const std::string& bearer_path, const PropertyMap& changed);

 private:
  class ManagerProxy;
  class ModemProxy;
  class SimProxy;
  class BearerProxy;

  struct ModemEntry {
    ModemInfo info;
    std::unique_ptr<ModemProxy> proxy;
    std::unique_ptr<SimProxy> sim;
    std::string sim_proxy_path;
    std::vector<std::string> bearer_paths;  // as the modem lists them
    std::map<std::string, std::unique_ptr<BearerProxy>> bearer_proxies;
    std::map<std::string, BearerInfo> bearers;  // those whose properties have arrived
    mm::SignalByTechnology signal;
  };

  void Discover();
  void OnNameOwnerChanged(const std::string& name, const std::string& old_owner, const std::string& new_owner);
  void ApplyInterface(ModemEntry& entry, const std::string& interface, const PropertyMap& properties);
  void SyncSim(ModemEntry& entry);
  void SyncBearers(ModemEntry& entry);
  void FetchAll(sdbus::IProxy& proxy, const std::string& interface,
                std::function<void(const PropertyMap&)> apply);
  void RemoveModem(const std::string& path);
  void Report(const std::string& path);
  ModemEntry* Find(const std::string& path);
  void Later(std::function<void()> action);
  void Wake() {
    if (wake_loop_) wake_loop_();
  }
  // Runs `call`, which queues one async call; an exception (bus gone) becomes a later failure.
  template <typename OnError>
  void Queue(const std::function<void()>& call, OnError on_error);
  // One async method call whose reply carries no value: `done` gets success or the D-Bus error.
  template <typename... Args>
  void CallVoid(sdbus::IProxy& proxy, const char* interface, const char* method, Timeout timeout, Done done,
                const Args&... args);
  // Reports a failure on a later loop turn, never inside the caller's own call.
  template <typename Callback>
  void FailLater(Callback done, std::string name, std::string message);

  sdbus::IConnection& connection_;
  Scheduler& scheduler_;
  std::function<void()> wake_loop_;
  std::string service_;
  Listener listener_;
  Logger log_{LogModule::kModem};
  std::unique_ptr<sdbus::IProxy> bus_proxy_;
  std::unique_ptr<ManagerProxy> manager_;
  std::map<std::string, std::unique_ptr<ModemEntry>> modems_;
  uint64_t next_timer_ = 0;
  std::map<uint64_t, TimerHandle> timers_;
};

// --- proxies: generated interface classes joined with the standard Properties/ObjectManager ---

class SdbusModemManagerEdge::Impl::ManagerProxy final : public sdbus::ProxyInterfaces<sdbus::ObjectManager_proxy> {
 public:
  ManagerProxy(sdbus::IConnection& connection, const std::string& service, Impl& impl)
      : ProxyInterfaces(connection, service, mm::kManagerPath), impl_(impl) {
    registerProxy();
  }
  ~ManagerProxy() { unregisterProxy(); }
  sdbus::IProxy& proxy() { return getProxy(); }

 private:
  void onInterfacesAdded(const sdbus::ObjectPath& path, const InterfaceMap& interfaces) override {
    impl_.OnInterfacesAdded(path, interfaces);
  }
  void onInterfacesRemoved(const sdbus::ObjectPath& path, const std::vector<std::string>& interfaces) override {
    impl_.OnInterfacesRemoved(path, interfaces);
  }
  Impl& impl_;
};

class SdbusModemManagerEdge::Impl::ModemProxy final
    : public sdbus::ProxyInterfaces<sdbus::Properties_proxy, generated::Modem_proxy, generated::Modem::Simple_proxy,
                                    generated::Modem::Signal_proxy> {
 public:
  ModemProxy(sdbus::IConnection& connection, const std::string& service, const std::string& path, Impl& impl)
      : ProxyInterfaces(connection, service, path), path_(path), impl_(impl) {
    registerProxy();
  }
  ~ModemProxy() { unregisterProxy(); }
  sdbus::IProxy& proxy() { return getProxy(); }

 private:
  void onPropertiesChanged(const std::string& interface, const PropertyMap& changed,
                           const std::vector<std::string>&) override {
    impl_.OnModemProperties(path_, interface, changed);
  }
  void onStateChanged(const int32_t&, const int32_t& new_state, const uint32_t&) override {
    impl_.OnModemState(path_, new_state);
  }
  std::string path_;
  Impl& impl_;
};

class SdbusModemManagerEdge::Impl::SimProxy final
    : public sdbus::ProxyInterfaces<sdbus::Properties_proxy, generated::Sim_proxy> {
 public:
  SimProxy(sdbus::IConnection& connection, const std::string& service, const std::string& modem_path,
           const std::string& sim_path, Impl& impl)
      : ProxyInterfaces(connection, service, sim_path), modem_path_(modem_path), sim_path_(sim_path), impl_(impl) {
    registerProxy();
  }
  ~SimProxy() { unregisterProxy(); }
  sdbus::IProxy& proxy() { return getProxy(); }

 private:
  void onPropertiesChanged(const std::string& interface, const PropertyMap& changed,
                           const std::vector<std::string>&) override {
    if (interface == mm::kSimInterface) impl_.OnSimProperties(modem_path_, sim_path_, changed);
  }
  std::string modem_path_;
  std::string sim_path_;
  Impl& impl_;
};

class SdbusModemManagerEdge::Impl::BearerProxy final
    : public sdbus::ProxyInterfaces<sdbus::Properties_proxy, generated::Bearer_proxy> {
 public:
  BearerProxy(sdbus::IConnection& connection, const std::string& service, const std::string& modem_path,
              const std::string& bearer_path, Impl& impl)
      : ProxyInterfaces(connection, service, bearer_path),
        modem_path_(modem_path),
        bearer_path_(bearer_path),
        impl_(impl) {
    registerProxy();
  }
  ~BearerProxy() { unregisterProxy(); }
  sdbus::IProxy& proxy() { return getProxy(); }

 private:
  void onPropertiesChanged(const std::string& interface, const PropertyMap& changed,
                           const std::vector<std::string>&) override {
    if (interface == mm::kBearerInterface) impl_.OnBearerProperties(modem_path_, bearer_path_, changed);
  }
  std::string modem_path_;
  std::string bearer_path_;
  Impl& impl_;
};

// --- discovery ---

void SdbusModemManagerEdge::Impl::Start(Listener listener) {
  listener_ = std::move(listener);
  if (manager_) {
    // A new listener (the daemon rebuilt its fleet after a reload): it hears every known modem.
    Later([this] {
      std::vector<std::string> paths;
      for (const auto& [path, entry] : modems_) paths.push_back(path);
      for (const auto& path : paths) Report(path);
    });
    return;
  }
  // ModemManager (re)starting or stopping: the only way to learn that its objects all went away.
  bus_proxy_ = sdbus::createProxy(connection_, "org.freedesktop.DBus", "/org/freedesktop/DBus");
  bus_proxy_->uponSignal("NameOwnerChanged")
      .onInterface("org.freedesktop.DBus")
      .call([this](const std::string& name, const std::string& old_owner, const std::string& new_owner) {
        OnNameOwnerChanged(name, old_owner, new_owner);
      });
  bus_proxy_->finishRegistration();
  manager_ = std::make_unique<ManagerProxy>(connection_, service_, *this);
  Discover();
}

void SdbusModemManagerEdge::Impl::Discover() {
  Queue(
      [this] {
        manager_->proxy()
            .callMethodAsync("GetManagedObjects")
            .onInterface(kObjectManagerInterface)
            .withTimeout(kDiscoveryTimeout)
            .uponReplyInvoke([this](const sdbus::Error* error, const ManagedObjects& objects) {
              if (error) {
                // Not running yet: NameOwnerChanged will say when it is.
                log_.Warning("ModemManager discovery failed: {} {}", error->getName(), error->getMessage());
                return;
              }
              for (const auto& [path, interfaces] : objects) OnInterfacesAdded(path, interfaces);
            });
      },
      [this](const std::string& name, const std::string& message) {
        log_.Warning("ModemManager discovery failed: {} {}", name, message);
      });
}

void SdbusModemManagerEdge::Impl::OnNameOwnerChanged(const std::string& name, const std::string& old_owner,
                                                     const std::string& new_owner) {
  if (name != service_) return;
  if (!old_owner.empty()) {
    log_.Warning("ModemManager left the bus; every modem is gone");
    std::vector<std::string> paths;
    for (const auto& [path, entry] : modems_) paths.push_back(path);
    for (const auto& path : paths) RemoveModem(path);
  }
  if (!new_owner.empty()) {
    log_.Notice("ModemManager is on the bus; discovering modems");
    Discover();
  }
}

void SdbusModemManagerEdge::Impl::OnInterfacesAdded(const std::string& path, const InterfaceMap& interfaces) {
  ModemEntry* entry = Find(path);
  if (!entry) {
    if (!interfaces.count(mm::kModemInterface)) return;  // not a modem (or not yet one)
    auto created = std::make_unique<ModemEntry>();
    created->info.path = path;
    try {
      created->proxy = std::make_unique<ModemProxy>(connection_, service_, path, *this);
    } catch (const sdbus::Error& error) {
      log_.Error("modem {}: cannot follow it: {} {}", path, error.getName(), error.getMessage());
      return;
    }
    entry = created.get();
    modems_[path] = std::move(created);
    // Properties may have changed between the snapshot and the subscription: read them again.
    for (const char* interface : {mm::kModemInterface, mm::kModem3gppInterface, mm::kSignalInterface}) {
      if (!interfaces.count(interface)) continue;
      std::string name = interface;
      FetchAll(entry->proxy->proxy(), name, [this, path, name](const PropertyMap& properties) {
        if (ModemEntry* current = Find(path)) {
          ApplyInterface(*current, name, properties);
          Report(path);
        }
      });
    }
  }
  for (const auto& [interface, properties] : interfaces) ApplyInterface(*entry, interface, properties);
  Report(path);
}

void SdbusModemManagerEdge::Impl::OnInterfacesRemoved(const std::string& path,
                                                      const std::vector<std::string>& interfaces) {
  if (!Find(path)) return;
  if (std::find(interfaces.begin(), interfaces.end(), mm::kModemInterface) == interfaces.end()) return;
  RemoveModem(path);
}

void SdbusModemManagerEdge::Impl::RemoveModem(const std::string& path) {
  auto it = modems_.find(path);
  if (it == modems_.end()) return;
  log_.Info("modem {} removed", path);
  modems_.erase(it);  // its proxies, their matches and pending calls go with it
  if (listener_.modem_removed) listener_.modem_removed(path);
}

void SdbusModemManagerEdge::Impl::ApplyInterface(ModemEntry& entry, const std::string& interface,
                                                 const PropertyMap& properties) {
  if (interface == mm::kModemInterface) {
    auto effects = mm::ApplyModemProperties(properties, entry.info, entry.bearer_paths);
    if (effects.sim_path_changed) SyncSim(entry);
    if (effects.bearers_changed) SyncBearers(entry);
  } else if (interface == mm::kModem3gppInterface) {
    mm::ApplyModem3gppProperties(properties, entry.info);
  } else if (interface == mm::kSignalInterface) {
    mm::ApplySignalProperties(properties, entry.signal);
  }
}

void SdbusModemManagerEdge::Impl::SyncSim(ModemEntry& entry) {
  if (entry.sim_proxy_path == entry.info.sim_path) return;
  entry.sim.reset();
  entry.sim_proxy_path = entry.info.sim_path;
  if (entry.info.sim_path.empty()) return;
  std::string modem_path = entry.info.path;
  std::string sim_path = entry.info.sim_path;
  try {
    entry.sim = std::make_unique<SimProxy>(connection_, service_, modem_path, sim_path, *this);
  } catch (const sdbus::Error& error) {
    log_.Error("modem {}: cannot follow SIM {}: {}", modem_path, sim_path, error.getMessage());
    return;
  }
  FetchAll(entry.sim->proxy(), mm::kSimInterface, [this, modem_path, sim_path](const PropertyMap& properties) {
    OnSimProperties(modem_path, sim_path, properties);
  });
}

void SdbusModemManagerEdge::Impl::SyncBearers(ModemEntry& entry) {
  const auto& listed = entry.bearer_paths;
  for (auto it = entry.bearer_proxies.begin(); it != entry.bearer_proxies.end();) {
    if (std::find(listed.begin(), listed.end(), it->first) == listed.end()) {
      entry.bearers.erase(it->first);
      it = entry.bearer_proxies.erase(it);
    } else {
      ++it;
    }
  }
  std::string modem_path = entry.info.path;
  for (const auto& bearer_path : listed) {
    if (entry.bearer_proxies.count(bearer_path)) continue;
    std::unique_ptr<BearerProxy> proxy;
    try {
      proxy = std::make_unique<BearerProxy>(connection_, service_, modem_path, bearer_path, *this);
    } catch (const sdbus::Error& error) {
      log_.Error("modem {}: cannot follow bearer {}: {}", modem_path, bearer_path, error.getMessage());
      continue;
    }
    FetchAll(proxy->proxy(), mm::kBearerInterface, [this, modem_path, bearer_path](const PropertyMap& properties) {
      OnBearerProperties(modem_path, bearer_path, properties);
    });
    entry.bearer_proxies[bearer_path] = std::move(proxy);
  }
}

void SdbusModemManagerEdge::Impl::FetchAll(sdbus::IProxy& proxy, const std::string& interface,
                                           std::function<void(const PropertyMap&)> apply) {
  std::string object = proxy.getObjectPath();
  Queue(
      [&proxy, interface, apply, object, this] {
        proxy.callMethodAsync("GetAll")
            .onInterface(kPropertiesInterface)
            .withTimeout(kDiscoveryTimeout)
            .withArguments(interface)
            .uponReplyInvoke([this, apply, object, interface](const sdbus::Error* error, const PropertyMap& properties) {
              if (error) {
                log_.Warning("{}: reading {} failed: {} {}", object, interface, error->getName(), error->getMessage());
                return;
              }
              apply(properties);
            });
      },
      [this, object, interface](const std::string& name, const std::string& message) {
        log_.Warning("{}: reading {} failed: {} {}", object, interface, name, message);
      });
}

void SdbusModemManagerEdge::Impl::OnModemProperties(const std::string& path, const std::string& interface,
                                                    const PropertyMap& changed) {
  ModemEntry* entry = Find(path);
  if (!entry) return;
  ApplyInterface(*entry, interface, changed);
  Report(path);
}

void SdbusModemManagerEdge::Impl::OnModemState(const std::string& path, int32_t state) {
  ModemEntry* entry = Find(path);
  if (!entry) return;
  ModemState parsed = mm::ModemStateFromMm(state);
  if (entry->info.state == parsed) return;  // the State property said it already
  entry->info.state = parsed;
  Report(path);
}

void SdbusModemManagerEdge::Impl::OnSimProperties(const std::string& path, const std::string& sim_path,
                                                  const PropertyMap& changed) {
  ModemEntry* entry = Find(path);
  if (!entry || entry->info.sim_path != sim_path) return;
  mm::ApplySimProperties(changed, entry->info);
  Report(path);
}

void SdbusModemManagerEdge::Impl::OnBearerProperties(const std::string& path, const std::string& bearer_path,
                                                     const PropertyMap& changed) {
  ModemEntry* entry = Find(path);
  if (!entry || !entry->bearer_proxies.count(bearer_path)) return;
  BearerInfo& bearer = entry->bearers[bearer_path];
  bearer.path = bearer_path;
  mm::ApplyBearerProperties(changed, bearer);
  Report(path);
}

void SdbusModemManagerEdge::Impl::Report(const std::string& path) {
  ModemEntry* entry = Find(path);
  if (!entry || !listener_.modem_updated) return;
  ModemInfo& info = entry->info;
  info.bearers.clear();
  for (const auto& bearer_path : entry->bearer_paths) {
    if (auto it = entry->bearers.find(bearer_path); it != entry->bearers.end()) info.bearers.push_back(it->second);
  }
  info.signal = mm::SelectSignal(entry->signal, info.access_technology);
  ModemInfo snapshot = info;  // the listener may remove this very modem
  listener_.modem_updated(snapshot);
}

SdbusModemManagerEdge::Impl::ModemEntry* SdbusModemManagerEdge::Impl::Find(const std::string& path) {
  auto it = modems_.find(path);
  return it == modems_.end() ? nullptr : it->second.get();
}

void SdbusModemManagerEdge::Impl::Later(std::function<void()> action) {
  uint64_t key = next_timer_++;
  timers_.emplace(key, scheduler_.RunAfter(std::chrono::milliseconds(0), [this, key, action = std::move(action)] {
    action();
    timers_.erase(key);
  }));
}

template <typename OnError>
void SdbusModemManagerEdge::Impl::Queue(const std::function<void()>& call, OnError on_error) {
  try {
    call();
  } catch (const sdbus::Error& error) {
    Later([on_error, name = error.getName(), message = error.getMessage()] { on_error(name, message); });
  }
  Wake();
}

// --- method calls ---

namespace {
constexpr const char* kUnknownObject = "org.freedesktop.DBus.Error.UnknownObject";
}  // namespace

template <typename Callback>
void SdbusModemManagerEdge::Impl::FailLater(Callback done, std::string name, std::string message) {
  Later([done = std::move(done), name = std::move(name), message = std::move(message)] {
    done(tl::unexpected(MakeModemCallError(name, message)));
  });
}

template <typename... Args>
void SdbusModemManagerEdge::Impl::CallVoid(sdbus::IProxy& proxy, const char* interface, const char* method,
                                           Timeout timeout, Done done, const Args&... args) {
  Queue(
      [&] {
        proxy.callMethodAsync(method)
            .onInterface(interface)
            .withTimeout(timeout)
            .withArguments(args...)
            .uponReplyInvoke([done](const sdbus::Error* error) { done(ToResult(error)); });
      },
      [done](const std::string& name, const std::string& message) {
        done(tl::unexpected(MakeModemCallError(name, message)));
      });
}

void SdbusModemManagerEdge::Impl::SendPin(const std::string& path, const std::string& pin, Timeout timeout, Done done) {
  ModemEntry* entry = Find(path);
  if (!entry) return FailLater(done, kUnknownObject, "no such modem");
  if (!entry->sim) {
    return FailLater(done, "org.freedesktop.ModemManager1.Error.MobileEquipment.SimNotInserted",
                     "the modem has no SIM object");
  }
  CallVoid(entry->sim->proxy(), generated::Sim_proxy::INTERFACE_NAME, "SendPin", timeout, done, pin);
}

void SdbusModemManagerEdge::Impl::Enable(const std::string& path, bool enable, Timeout timeout, Done done) {
  ModemEntry* entry = Find(path);
  if (!entry) return FailLater(done, kUnknownObject, "no such modem");
  CallVoid(entry->proxy->proxy(), generated::Modem_proxy::INTERFACE_NAME, "Enable", timeout, done, enable);
}

void SdbusModemManagerEdge::Impl::Connect(const std::string& path, const ConnectSettings& settings, Timeout timeout,
                                          Connected done) {
  ModemEntry* entry = Find(path);
  if (!entry) return FailLater(done, kUnknownObject, "no such modem");
  sdbus::IProxy& proxy = entry->proxy->proxy();
  PropertyMap properties = mm::ConnectProperties(settings);
  Queue(
      [&] {
        proxy.callMethodAsync("Connect")
            .onInterface(generated::Modem::Simple_proxy::INTERFACE_NAME)
            .withTimeout(timeout)
            .withArguments(properties)
            .uponReplyInvoke([done](const sdbus::Error* error, const sdbus::ObjectPath& bearer) {
              if (error) return done(tl::unexpected(MakeModemCallError(error->getName(), error->getMessage())));
              done(std::string(bearer));
            });
      },
      [done](const std::string& name, const std::string& message) {
        done(tl::unexpected(MakeModemCallError(name, message)));
      });
}

void SdbusModemManagerEdge::Impl::Disconnect(const std::string& path, const std::string& bearer_path, Timeout timeout,
                                             Done done) {
  ModemEntry* entry = Find(path);
  if (!entry) return FailLater(done, kUnknownObject, "no such modem");
  CallVoid(entry->proxy->proxy(), generated::Modem::Simple_proxy::INTERFACE_NAME, "Disconnect", timeout, done,
           sdbus::ObjectPath(bearer_path));
}

void SdbusModemManagerEdge::Impl::Reset(const std::string& path, Timeout timeout, Done done) {
  ModemEntry* entry = Find(path);
  if (!entry) return FailLater(done, kUnknownObject, "no such modem");
  CallVoid(entry->proxy->proxy(), generated::Modem_proxy::INTERFACE_NAME, "Reset", timeout, done);
}

void SdbusModemManagerEdge::Impl::SetupSignal(const std::string& path, uint32_t rate, Timeout timeout, Done done) {
  ModemEntry* entry = Find(path);
  if (!entry) return FailLater(done, kUnknownObject, "no such modem");
  CallVoid(entry->proxy->proxy(), generated::Modem::Signal_proxy::INTERFACE_NAME, "Setup", timeout, done, rate);
}

// --- the public face ---

SdbusModemManagerEdge::SdbusModemManagerEdge(sdbus::IConnection& connection, Scheduler& scheduler,
                                             std::function<void()> wake_loop, std::string service)
    : impl_(std::make_unique<Impl>(connection, scheduler, std::move(wake_loop), std::move(service))) {}

SdbusModemManagerEdge::~SdbusModemManagerEdge() = default;

void SdbusModemManagerEdge::Start(Listener listener) { impl_->Start(std::move(listener)); }
void SdbusModemManagerEdge::SendPin(const std::string& path, const std::string& pin, Timeout timeout, Done done) {
  impl_->SendPin(path, pin, timeout, std::move(done));
}
void SdbusModemManagerEdge::Enable(const std::string& path, bool enable, Timeout timeout, Done done) {
  impl_->Enable(path, enable, timeout, std::move(done));
}
void SdbusModemManagerEdge::Connect(const std::string& path, const ConnectSettings& settings, Timeout timeout,
                                    Connected done) {
  impl_->Connect(path, settings, timeout, std::move(done));
}
void SdbusModemManagerEdge::Disconnect(const std::string& path, const std::string& bearer_path, Timeout timeout,
                                       Done done) {
  impl_->Disconnect(path, bearer_path, timeout, std::move(done));
}
void SdbusModemManagerEdge::Reset(const std::string& path, Timeout timeout, Done done) {
  impl_->Reset(path, timeout, std::move(done));
}
void SdbusModemManagerEdge::SetupSignal(const std::string& path, uint32_t rate, Timeout timeout, Done done) {
  impl_->SetupSignal(path, rate, timeout, std::move(done));
}

}  // namespace uplinkd::modem

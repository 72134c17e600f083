#pragma once
// The exported objects of one kind (one per configured Modem, Wan, ...), kept equal to a map of
// name -> properties: Sync() creates objects for new names (each announces itself with
// InterfacesAdded), removes those of vanished names (InterfacesRemoved) and updates the rest
// (PropertiesChanged for what changed). This is the registration API for new object kinds; see
// docs/dbus-api.md, "Adding an object kind".
//
// Object needs: a `Properties` type, construction through the factory given here, and
// `void Update(const Properties&)`.
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "dbus/object_paths.h"

namespace uplinkd::dbus {

template <typename Object>
class PublishedObjectSet {
 public:
  using Properties = typename Object::Properties;
  // Makes the object at `path` for `properties`; it must register itself on the bus and emit
  // InterfacesAdded, and emit InterfacesRemoved when destroyed.
  using Factory = std::function<std::unique_ptr<Object>(const std::string& path, const Properties& properties)>;

  // `kind` is the path element under /org/uplinkd1 ("Modem").
  PublishedObjectSet(std::string kind, Factory factory) : kind_(std::move(kind)), factory_(std::move(factory)) {}

  void Sync(const std::map<std::string, Properties>& wanted) {
    for (auto it = objects_.begin(); it != objects_.end();) {
      it = wanted.count(it->first) ? std::next(it) : objects_.erase(it);
    }
    for (const auto& [name, properties] : wanted) {
      if (auto found = objects_.find(name); found != objects_.end()) {
        found->second->Update(properties);
      } else {
        objects_.emplace(name, factory_(ObjectPathFor(kind_, name), properties));
      }
    }
  }

  void Clear() { objects_.clear(); }
  size_t size() const { return objects_.size(); }
  const Object* Find(const std::string& name) const {
    auto found = objects_.find(name);
    return found == objects_.end() ? nullptr : found->second.get();
  }

 private:
  std::string kind_;
  Factory factory_;
  std::map<std::string, std::unique_ptr<Object>> objects_;
};

}  // namespace uplinkd::dbus

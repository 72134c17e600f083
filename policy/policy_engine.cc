#include "policy/policy_engine.h"

#include <algorithm>
#include <limits>

namespace uplinkd::policy {
namespace {

struct Candidate {
  const WanConfig* wan = nullptr;
  size_t order = 0;  // position in the config
  int tier = PolicyEngine::kUnusable;
  const WanFacts* facts = nullptr;
};

std::vector<std::string> Names(const std::vector<WeightedWan>& wans) {
  std::vector<std::string> names;
  for (const auto& wan : wans) names.push_back(wan.wan);
  std::sort(names.begin(), names.end());
  return names;
}

double RttOrInfinity(const Candidate& candidate) {
  if (!candidate.facts || !candidate.facts->health.rtt_ms) return std::numeric_limits<double>::infinity();
  return *candidate.facts->health.rtt_ms;
}

const Candidate* BestByPriority(const std::vector<Candidate>& candidates, int tier) {
  const Candidate* best = nullptr;
  for (const auto& candidate : candidates) {
    if (candidate.tier != tier) continue;
    if (!best || candidate.wan->priority < best->wan->priority) best = &candidate;
  }
  return best;
}

ClassPath Single(const Candidate& candidate, std::string reason) {
  ClassPath path;
  path.wans.push_back({candidate.wan->name, candidate.wan->weight});
  path.reason = std::move(reason);
  return path;
}

const char* TierName(int tier) {
  switch (tier) {
    case 0: return "healthy";
    case 1: return "degraded";
    case 2: return "unproven";
    case PolicyEngine::kLastResort: return "held-down but answering";
    default: return "unusable";
  }
}

// The path a class would take now, ignoring hold time.
ClassPath Choose(const PolicyConfig& config, const ClassPolicy& policy, const std::vector<Candidate>& candidates,
                 int best_tier, const ClassPath* previous) {
  if (!policy.pinned_wan.empty()) {
    for (const auto& candidate : candidates) {
      if (candidate.wan->name == policy.pinned_wan && candidate.tier != PolicyEngine::kUnusable) {
        return Single(candidate, "pinned");
      }
    }
  }
  switch (policy.mode) {
    case PathMode::kFailover: {
      const Candidate* best = BestByPriority(candidates, best_tier);
      return Single(*best, std::string("first ") + TierName(best_tier) + " Wan by priority");
    }
    case PathMode::kBalance: {
      ClassPath path;
      for (const auto& candidate : candidates) {
        if (candidate.tier == best_tier) path.wans.push_back({candidate.wan->name, candidate.wan->weight});
      }
      path.reason = std::string("weighted across ") + TierName(best_tier) + " Wans";
      return path;
    }
    case PathMode::kLowestLatency: {
      const Candidate* fastest = nullptr;
      for (const auto& candidate : candidates) {
        if (candidate.tier != best_tier) continue;
        if (!fastest || RttOrInfinity(candidate) < RttOrInfinity(*fastest) ||
            (RttOrInfinity(candidate) == RttOrInfinity(*fastest) && candidate.wan->priority < fastest->wan->priority)) {
          fastest = &candidate;
        }
      }
      // Keep the current Wan unless the fastest is clearly faster.
      if (previous && previous->wans.size() == 1 && previous->wans[0].wan != fastest->wan->name) {
        for (const auto& candidate : candidates) {
          if (candidate.wan->name != previous->wans[0].wan || candidate.tier != best_tier) continue;
          double current = RttOrInfinity(candidate);
          if (!(RttOrInfinity(*fastest) < current * (1.0 - config.latency_margin))) {
            return Single(candidate, "lowest latency (kept within margin)");
          }
        }
      }
      return Single(*fastest, "lowest latency");
    }
  }
  return {};
}

// The usable candidate an operator pinned this class to, if any.
const Candidate* PinnedCandidate(const ClassPins& pins, TrafficClass traffic_class,
                                 const std::vector<Candidate>& candidates) {
  auto pin = pins.find(traffic_class);
  if (pin == pins.end()) return nullptr;
  for (const auto& candidate : candidates) {
    if (candidate.wan->name == pin->second && candidate.tier != PolicyEngine::kUnusable) return &candidate;
  }
  return nullptr;
}

}  // namespace

int PolicyEngine::Tier(const WanFacts& facts) {
  if (!facts.admin_up || !facts.link_up || !facts.bearer_up) return kUnusable;
  switch (facts.health.state) {
    case WanHealthState::kDown: return facts.health.answering ? kLastResort : kUnusable;
    case WanHealthState::kUp: return facts.health.degraded ? 1 : 0;
    case WanHealthState::kSuspect:
    case WanHealthState::kUnknown: return 2;
  }
  return kUnusable;
}

Decision PolicyEngine::Decide(const PolicyConfig& config, const std::map<std::string, WanFacts>& wans,
                              const Decision* previous, SteadyTime now, const ClassPins& pins) {
  Decision decision;
  decision.first = previous == nullptr;
  std::vector<Candidate> candidates;
  int best_tier = kUnusable;
  for (size_t i = 0; i < config.wans.size(); ++i) {
    Candidate candidate;
    candidate.wan = &config.wans[i];
    candidate.order = i;
    if (auto it = wans.find(config.wans[i].name); it != wans.end()) {
      candidate.facts = &it->second;
      candidate.tier = Tier(it->second);
    }
    best_tier = std::min(best_tier, candidate.tier);
    decision.usable[candidate.wan->name] = candidate.tier != kUnusable;
    candidates.push_back(candidate);
  }
  // Ties in priority go to config order: a stable sort keeps it.
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) { return a.wan->priority < b.wan->priority; });
  auto usable = [&](const std::string& name) {
    auto it = decision.usable.find(name);
    return it != decision.usable.end() && it->second;
  };
  auto admin_down = [&](const std::string& name) {
    auto it = wans.find(name);
    return it != wans.end() && !it->second.admin_up;
  };
  if (previous) {
    for (const auto& [name, was_usable] : previous->usable) {
      if (was_usable && !usable(name)) decision.lost_wans.push_back(name);
    }
  }
  if (candidates.empty()) return decision;

  for (TrafficClass traffic_class : kTrafficClasses) {
    const ClassPolicy& policy = config.classes[Index(traffic_class)];
    const ClassPath* before = previous ? &previous->paths[Index(traffic_class)] : nullptr;
    if (before && before->wans.empty()) before = nullptr;
    ClassPath& path = decision.paths[Index(traffic_class)];

    if (best_tier == kUnusable) {
      // Nothing better exists, but a Wan the operator took down is not kept or chosen while
      // another is administratively up.
      bool before_admin_up = before && std::none_of(before->wans.begin(), before->wans.end(),
                                                    [&](const WeightedWan& wan) { return admin_down(wan.wan); });
      if (before_admin_up) {
        path = *before;
        path.reason = "no usable Wan; keeping the last path";
        path.operator_pinned = false;
        continue;
      }
      const Candidate* fallback = nullptr;
      for (const auto& candidate : candidates) {
        if (admin_down(candidate.wan->name)) continue;
        if (!fallback || candidate.wan->priority < fallback->wan->priority) fallback = &candidate;
      }
      if (!fallback) fallback = BestByPriority(candidates, kUnusable);  // every Wan is down by the operator
      path = Single(*fallback, "no usable Wan; first by priority");
      path.since = now;
      if (before && Names(before->wans) != Names(path.wans)) {
        decision.changed_classes.push_back(traffic_class);
      } else if (before) {
        path.since = before->since;
      }
      continue;
    }
    // An operator's pin in force overrides hold and preference.
    if (const Candidate* pinned = PinnedCandidate(pins, traffic_class, candidates)) {
      path = Single(*pinned, "pinned by the operator");
      path.operator_pinned = true;
      if (before && Names(before->wans) == Names(path.wans)) {
        path.since = before->since;
        continue;
      }
      path.since = now;
      if (previous) decision.changed_classes.push_back(traffic_class);
      continue;
    }
    ClassPath chosen = Choose(config, policy, candidates, best_tier, before);
    if (!before) {
      path = std::move(chosen);
      path.since = now;
      if (previous) decision.changed_classes.push_back(traffic_class);
      continue;
    }
    if (Names(chosen.wans) == Names(before->wans)) {
      path = std::move(chosen);  // the same Wans (weights follow the config)
      path.since = before->since;
      continue;
    }
    bool through_dead = std::any_of(before->wans.begin(), before->wans.end(),
                                    [&](const WeightedWan& wan) { return !usable(wan.wan); });
    // Hold damps the engine's own moves; the end of an operator's pin is the operator's move.
    bool held = now - before->since < config.hold_time && !before->operator_pinned;
    if (held && !through_dead) {
      path = *before;
      for (auto& wan : path.wans) {
        if (const WanConfig* configured = config.FindWan(wan.wan)) wan.weight = configured->weight;
      }
      path.reason = "held (" + chosen.reason + " would move it)";
      SteadyTime release = before->since + config.hold_time;
      if (!decision.recheck_at || release < *decision.recheck_at) decision.recheck_at = release;
      continue;
    }
    path = std::move(chosen);
    path.since = now;
    if (through_dead) path.reason += "; left an unusable Wan";
    decision.changed_classes.push_back(traffic_class);
  }
  return decision;
}

}  // namespace uplinkd::policy

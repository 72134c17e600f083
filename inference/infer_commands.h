#pragma once
// The subcommands of uplinkd-infer, one function each; exit status as the return value.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace uplinkd::inference {

struct CommandArguments {
  std::map<std::string, std::string> options;
  std::vector<std::string> positional;

  std::optional<std::string> Get(const std::string& name) const;
  Result<double> Number(const std::string& name, std::optional<double> fallback) const;
};

int RunWorkerCommand(const CommandArguments& arguments);
int TrainCommand(const CommandArguments& arguments);
int ReplayCommand(const CommandArguments& arguments);
int CheckModelCommand(const CommandArguments& arguments);
int GenerateCommand(const CommandArguments& arguments);
int EvaluateCommand(const CommandArguments& arguments);
int BenchCommand(const CommandArguments& arguments);

}  // namespace uplinkd::inference

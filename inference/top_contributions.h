#pragma once
#include <span>

#include "inference/anomaly_model.h"

namespace uplinkd::inference {

// Puts the kTopFeatures largest `contributions` into `out.top`, each as a share of `total`.
void FillTopContributions(std::span<const double> contributions, double total, ModelScore& out);

}  // namespace uplinkd::inference

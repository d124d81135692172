// What the measures need from the engine beyond the store: each version's `manual_minutes` (the
// basis of time saved, from the version's spec), with the price table. The HTTP API and
// `flowline report` compute the same figures through it.
#pragma once

#include <string>

#include "engine/engine.h"
#include "monitor/measures.h"
#include "monitor/prices.h"

namespace flowline::server {

// `engine` and `prices` (may be null) must outlive the context. A version whose spec states no
// manual_minutes (or 0) has none. Steps are ordered as the live version's plan has them.
monitor::MeasuresContext MeasuresContextFor(engine::Engine& engine, const std::string& workflow,
                                            const monitor::PriceTable* prices);

}  // namespace flowline::server

// One loaded config and everything built on it: plugin channels, engine, dispatcher,
// runner. Immutable once built; a reload builds a new one and swaps the pointer
// (host::Service), and the old one goes when its last user is done.
#pragma once

#include <memory>

#include "engine/dispatcher.hpp"
#include "engine/engine.hpp"
#include "host/loaded_config.hpp"
#include "host/plugin_channels.hpp"
#include "host/plugin_sources.hpp"
#include "host/plugin_triggers.hpp"
#include "host/work_runner.hpp"
#include "links/link_signer.hpp"

namespace parcours::host {

struct Runtime {
  LoadedConfig loaded;
  std::unique_ptr<links::LinkSigner> links;  // with this config's [server] public_url
  std::unique_ptr<PluginSources> sources;    // data.<source>.*, and audiences for triggers
  std::unique_ptr<PluginChannels> channels;
  std::unique_ptr<PluginTriggers> triggers;
  std::unique_ptr<engine::Engine> engine;
  std::unique_ptr<engine::Dispatcher> dispatcher;
  std::unique_ptr<WorkRunner> runner;
  ~Runtime() {
    // Triggers stop emitting first; then the users of the channels, then the plugin
    // instances, then the libraries.
    triggers.reset();
    runner.reset();
    dispatcher.reset();
    engine.reset();
    channels.reset();
    sources.reset();
  }
};

}  // namespace parcours::host

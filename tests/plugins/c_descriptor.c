/* A plugin written against the C ABI alone (parcours/plugin.h), compiled once per
 * refusal case with one FIXTURE_* definition that breaks one thing (see
 * CMakeLists.txt). Unbroken, it is a valid channel that delivers everything. */
#include <parcours/plugin.h>

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#ifndef FIXTURE_ABI_MAJOR
#define FIXTURE_ABI_MAJOR PARCOURS_ABI_MAJOR
#endif
/* FIXTURE_ABI_1_0: a plugin built with the 1.0 SDK, whose descriptor ends before
 * the fields 1.1 appended: a newer host must load it and read those as absent. */
#ifdef FIXTURE_ABI_1_0
#define FIXTURE_ABI_MINOR 0
#define FIXTURE_STRUCT_SIZE offsetof(parcours_plugin, handle_request)
#endif
#ifndef FIXTURE_STRUCT_SIZE
#define FIXTURE_STRUCT_SIZE sizeof(parcours_plugin)
#endif
#ifndef FIXTURE_ABI_MINOR
#define FIXTURE_ABI_MINOR PARCOURS_ABI_MINOR
#endif

#ifndef FIXTURE_ID
#define FIXTURE_ID "c-channel"
#endif
#ifdef FIXTURE_BAD_SETTINGS
#define FIXTURE_SETTINGS "[{\"name\": \"url\", \"type\": \"string\", "
#else
#define FIXTURE_SETTINGS "[{\"name\": \"url\", \"type\": \"string\", \"required\": true, \"help\": \"Where\"}]"
#endif

#ifdef FIXTURE_UNRESOLVED
/* Defined nowhere: with RTLD_NOW, dlopen fails naming it. */
extern int parcours_fixture_undefined_function(void);
#endif

static char* copy(const char* text) {
  char* out = (char*)malloc(strlen(text) + 1);
  if (out) strcpy(out, text);
  return out;
}

static parcours_instance* create(const char* settings_json, const parcours_host* host, char** error) {
  (void)settings_json;
  (void)host;
  (void)error;
#ifdef FIXTURE_UNRESOLVED
  if (parcours_fixture_undefined_function()) return NULL;
#endif
  return (parcours_instance*)malloc(1);
}
static void destroy(parcours_instance* instance) {
  free(instance);
}
static void free_string(char* s) {
  free(s);
}
static char* send(parcours_instance* instance, const char* message_json) {
  (void)instance;
  (void)message_json;
  return copy("{\"status\": \"delivered\"}");
}

static const parcours_plugin descriptor = {
    .abi_major = FIXTURE_ABI_MAJOR,
    .abi_minor = FIXTURE_ABI_MINOR,
    .struct_size = FIXTURE_STRUCT_SIZE,
#ifdef FIXTURE_NO_ID
    .id = NULL,
#else
    .id = FIXTURE_ID,
#endif
    .version = "0.0.1",
    .kind = PARCOURS_KIND_CHANNEL,
    .description = "A C test channel",
    .settings_json = FIXTURE_SETTINGS,
    .params_json = NULL,
    .create = create,
    .destroy = destroy,
    .free_string = free_string,
#ifdef FIXTURE_NO_SEND
    .send = NULL,
#else
    .send = send,
#endif
};

PARCOURS_EXPORT const parcours_plugin* parcours_plugin_entry(void) {
#ifdef FIXTURE_NO_SEND
  (void)send;
#endif
#ifdef FIXTURE_RETURN_NULL
  (void)descriptor;
  return NULL;
#else
  return &descriptor;
#endif
}

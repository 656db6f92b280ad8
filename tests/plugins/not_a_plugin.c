/* A valid shared library that is not a Parcours plugin: it exports a function,
 * but not parcours_plugin_entry. */
__attribute__((visibility("default"))) int parcours_fixture_add(int a, int b) {
  return a + b;
}

// SPDX-License-Identifier: MIT
#include "portal_page.h"

#include "text_writer.h"

namespace meter::firmware {

size_t render_portal_page(const DeviceConfig& config, const char* message, char* out,
                          size_t capacity) {
  if (capacity == 0) return 0;
  TextWriter page(out, capacity);
  page.append(
      "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
      "<title>Smart meter reader setup</title><style>"
      "body{font-family:sans-serif;margin:1em auto;max-width:30em;padding:0 1em}"
      "label{display:block;margin-top:.8em}input{width:100%;box-sizing:border-box;padding:.3em}"
      ".msg{background:#fdd;padding:.5em}</style></head><body>"
      "<h1>Smart meter reader setup</h1>");
  if (message != nullptr && message[0] != '\0') {
    page.append("<p class=\"msg\">");
    page.append_html(message);
    page.append("</p>");
  }
  page.append("<form method=\"post\" action=\"/save\">");
  char value[129];
  for (size_t i = 0; i < config_field_count(); ++i) {
    const ConfigField& field = config_field(i);
    page.append("<label for=\"");
    page.append(field.key);
    page.append("\">");
    page.append_html(field.label);
    page.append("</label><input id=\"");
    page.append(field.key);
    page.append("\" name=\"");
    page.append(field.key);
    if (!format_config_value(config, field, value, sizeof value)) return 0;
    if (field.secret) {
      page.append("\" type=\"password\" value=\"\" placeholder=\"");
      page.append(value[0] == '\0' ? "not set" : "stored (leave empty to keep)");
    } else {
      page.append("\" type=\"text\" value=\"");
      page.append_html(value);
    }
    page.append("\">");
  }
  page.append(
      "<p><button type=\"submit\">Save and restart</button></p></form>"
      "<p>Telegrams go to the telegram topic as hex, the device status to the status topic."
      "</p></body></html>");
  return page.finished_size();
}

ConfigError apply_portal_field(DeviceConfig* config, const ConfigField& field, const char* value,
                               size_t length) {
  if (field.secret && length == 0) return ConfigError::kNone;
  return set_config_value(config, field.key, value, length);
}

}  // namespace meter::firmware

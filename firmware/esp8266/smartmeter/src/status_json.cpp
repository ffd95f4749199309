// SPDX-License-Identifier: MIT
#include "status_json.h"

#include "text_writer.h"

namespace meter::firmware {
namespace {

void append_counter(TextWriter& out, const char* name, uint64_t value) {
  out.append(",\"");
  out.append(name);
  out.append("\":");
  out.append_uint(value);
}

}  // namespace

size_t write_status_json(const DeviceStatus& status, char* out, size_t capacity) {
  if (capacity == 0) return 0;
  TextWriter json(out, capacity);
  json.append("{\"online\":true,\"version\":");
  json.append_json_string(status.version);
  json.append(",\"serial\":");
  json.append_json_string(status.serial_format);
  append_counter(json, "uptime_s", status.uptime_s);
  json.append(",\"rssi_dbm\":");
  json.append_int(status.rssi_dbm);
  append_counter(json, "free_heap", status.free_heap);
  append_counter(json, "telegrams_sent", status.telegrams_sent);
  append_counter(json, "publish_failures", status.publish_failures);
  append_counter(json, "dropped_offline", status.dropped_offline);
  append_counter(json, "checksum_errors", status.checksum_errors);
  append_counter(json, "sequence_errors", status.sequence_errors);
  append_counter(json, "framing_errors", status.framing_errors);
  append_counter(json, "resyncs", status.resyncs);
  append_counter(json, "skipped_bytes", status.skipped_bytes);
  append_counter(json, "wifi_reconnects", status.wifi_reconnects);
  append_counter(json, "mqtt_reconnects", status.mqtt_reconnects);
  json.append_char('}');
  return json.finished_size();
}

}  // namespace meter::firmware

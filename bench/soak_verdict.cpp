// SPDX-License-Identifier: Apache-2.0
#include "soak_verdict.hpp"

#include <map>
#include <set>

#include "core/job.hpp"
#include "core/output_naming.hpp"

namespace ve::soak {
namespace {

using core::JobStatus;

std::string text(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string resource_of(const nlohmann::json& result) {
  const auto video = result.find("video");
  return video != result.end() && video->is_object() ? text(*video, "resource_id") : "";
}

// What arrived, indexed: results by resource_id, notifications and dead letters by original body.
struct Arrivals {
  std::map<std::string, std::vector<const nlohmann::json*>> results;
  std::map<std::string, std::vector<std::string>> failures;  // body -> errors
  std::map<std::string, size_t> dead_letters;

  explicit Arrivals(const Collected& got) {
    for (const auto& r : got.results) results[resource_of(r)].push_back(&r);
    for (const auto& [body, error] : got.failures) failures[body].push_back(error);
    for (const auto& body : got.dead_letters) ++dead_letters[body];
  }
  size_t result_count(const std::string& resource) const {
    const auto it = results.find(resource);
    return it == results.end() ? 0 : it->second.size();
  }
  size_t failure_count(const std::string& body) const {
    const auto it = failures.find(body);
    return it == failures.end() ? 0 : it->second.size();
  }
  size_t dead_letter_count(const std::string& body) const {
    const auto it = dead_letters.find(body);
    return it == dead_letters.end() ? 0 : it->second;
  }
};

// Counts a message expected once that came `n` times.
void expect_once(Verdict& v, Check& check, size_t n, const std::string& what) {
  if (n == 1) return;
  if (n == 0) ++v.missing;
  else v.duplicates += n - 1;
  check.fail(what + (n == 0 ? ": none" : ": " + std::to_string(n)));
}

void judge_good(Verdict& v, const PlannedMessage& m, const Arrivals& a, const std::filesystem::path& output_root) {
  std::set<std::string> job_ids;
  if (const auto it = a.results.find(m.resource_id); it != a.results.end()) {
    for (const nlohmann::json* r : it->second) job_ids.insert(text(*r, "job_id"));
  }
  expect_once(v, v.check("every good message: exactly one result"), a.result_count(m.resource_id),
              m.resource_id + " results" +
                  (job_ids.size() > 1 ? " (" + std::to_string(job_ids.size()) + " distinct job_ids)" : ""));
  Check& content = v.check("every result: COMPLETED, its file_path, a manifest in the output bucket");
  if (const auto it = a.results.find(m.resource_id); it != a.results.end()) {
    for (const nlohmann::json* r : it->second) {
      const auto& video = (*r)["video"];
      const std::string folder = text(video, "encoded_video_folder");
      if (text(*r, "status") != "COMPLETED") content.fail(m.resource_id + ": status " + text(*r, "status"));
      if (text(video, "file_path") != m.file_path) content.fail(m.resource_id + ": file_path " + video.dump());
      if (folder.empty() || !std::filesystem::is_regular_file(output_root / folder / core::kManifestName)) {
        content.fail(m.resource_id + ": no " + std::string(core::kManifestName) + " in " +
                     (output_root / folder).string());
      }
    }
  }
  if (a.failure_count(m.body)) {
    v.check("no good message failed").fail(m.resource_id + ": " + a.failures.at(m.body).front());
  }
  if (a.dead_letter_count(m.body)) v.check("no good message failed").fail(m.resource_id + " was dead-lettered");
}

void judge_bad(Verdict& v, const PlannedMessage& m, const Arrivals& a) {
  const std::string label = m.message_id + " (" + to_string(*m.bad) + ")";
  expect_once(v, v.check("every bad message: exactly one failure notification"), a.failure_count(m.body),
              label + " failure notifications");
  if (const auto it = a.failures.find(m.body); it != a.failures.end()) {
    for (const auto& error : it->second) {
      if (error.find(expected_error_part(*m.bad)) == std::string::npos) {
        v.check("every failure notification: the expected error").fail(label + ": \"" + error + "\"");
      }
    }
  }
  expect_once(v, v.check("every bad message: exactly one dead letter with the original body"),
              a.dead_letter_count(m.body), label + " dead letters");
}

void judge_unexpected(Verdict& v, const std::vector<PlannedMessage>& plan, const Collected& got, const Arrivals& a) {
  std::set<std::string> good_resources, bodies;
  for (const auto& m : plan) {
    bodies.insert(m.body);
    if (!m.bad) good_resources.insert(m.resource_id);
  }
  Check& check = v.check("no unexpected messages");
  for (const auto& [resource, results] : a.results) {
    if (!good_resources.count(resource)) check.fail("result for resource '" + resource + "'");
  }
  for (const auto& [body, errors] : a.failures) {
    if (!bodies.count(body)) check.fail("failure notification for " + body);
  }
  for (const auto& [body, n] : a.dead_letters) {
    if (!bodies.count(body)) check.fail("dead letter " + body);
  }
  for (const auto& body : got.unreadable) check.fail("unreadable videos-result message " + body);
}

void judge_completed_jobs(Verdict& v, const std::vector<PlannedMessage>& plan, const Collected& got,
                          const std::vector<ports::JobRecord>& jobs) {
  std::map<std::string, const ports::JobRecord*> by_id;
  std::map<std::string, size_t> completed_per_resource;
  for (const auto& j : jobs) {
    by_id[j.id] = &j;
    if (j.status == JobStatus::Completed) ++completed_per_resource[j.video.resource_id];
  }
  std::set<std::string> result_jobs;
  Check& agrees = v.check("database: every result's job is COMPLETED for its resource");
  for (const auto& r : got.results) {
    const std::string id = text(r, "job_id");
    result_jobs.insert(id);
    const auto it = by_id.find(id);
    if (it == by_id.end()) agrees.fail("job " + id + " (" + resource_of(r) + ") is not in the database");
    else if (it->second->status != JobStatus::Completed)
      agrees.fail("job " + id + " is " + core::to_string(it->second->status));
    else if (it->second->video.resource_id != resource_of(r))
      agrees.fail("job " + id + " is for resource " + it->second->video.resource_id);
  }
  Check& exact = v.check("database: COMPLETED jobs = the results' jobs, one per good message");
  for (const auto& j : jobs) {
    if (j.status == JobStatus::Completed && !result_jobs.count(j.id)) {
      exact.fail("job " + j.id + " (" + j.video.resource_id + ") is COMPLETED but no result names it");
    }
  }
  for (const auto& m : plan) {
    const size_t n = m.bad ? 0 : completed_per_resource[m.resource_id];
    if (!m.bad && n != 1) exact.fail(m.resource_id + ": " + std::to_string(n) + " COMPLETED jobs");
    if (m.bad && completed_per_resource.count(m.resource_id)) exact.fail(m.resource_id + " (bad) has a COMPLETED job");
  }
}

void judge_other_jobs(Verdict& v, const std::vector<PlannedMessage>& plan, const std::vector<ports::JobRecord>& jobs,
                      bool instance_killed) {
  std::map<std::string, size_t> failed_per_resource;
  std::map<std::string, size_t> unfinished;  // status -> count
  size_t requeued = 0, abandoned = 0;
  for (const auto& j : jobs) {
    if (j.status == JobStatus::Abandoned) {
      ++abandoned;  // an attempt that another delivery of its message took over
    } else if (j.status == JobStatus::Failed) {
      // A transient failure (the message went back to the queue) is not the job's final word.
      if (j.error.find("(message requeued)") != std::string::npos) ++requeued;
      else ++failed_per_resource[j.video.resource_id];
    } else if (!core::is_final(j.status)) {
      ++unfinished[core::to_string(j.status)];
    }
  }
  Check& failed = v.check("database: one FAILED job per missing-object/corrupt-media message, no other");
  for (const auto& m : plan) {
    const size_t expected = m.bad && becomes_failed_job(*m.bad) ? 1 : 0;
    const size_t n = failed_per_resource.count(m.resource_id) ? failed_per_resource[m.resource_id] : 0;
    if (n != expected) failed.fail(m.message_id + " " + m.resource_id + ": " + std::to_string(n) + " FAILED jobs");
    failed_per_resource.erase(m.resource_id);
  }
  for (const auto& [resource, n] : failed_per_resource) {
    failed.fail("FAILED job for unknown resource '" + resource + "'");
  }
  if (requeued) v.notes.push_back(std::to_string(requeued) + " jobs FAILED transiently (message requeued)");
  if (abandoned) v.notes.push_back(std::to_string(abandoned) + " jobs ABANDONED (taken over by a redelivery)");
  size_t left = 0;
  std::string states;
  for (const auto& [status, n] : unfinished) {
    left += n;
    states += (states.empty() ? "" : ", ") + std::to_string(n) + " " + status;
  }
  if (left == 0) return;
  if (instance_killed) {
    v.notes.push_back("jobs left unfinished by the SIGKILLed instance: " + states);
  } else {
    v.check("database: no job left unfinished").fail(states);
  }
}

}  // namespace

void Collected::add_result_queue_message(const std::string& body) {
  const auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.contains("job_id")) {
    results.push_back(j);
  } else if (j.is_object() && j.contains("message") && j["message"].is_string()) {
    failures.emplace_back(j["message"].get<std::string>(), j.contains("error") ? j["error"].dump() : "");
    if (j["error"].is_string()) failures.back().second = j["error"].get<std::string>();
  } else {
    unreadable.push_back(body);
  }
}

size_t settled_count(const std::vector<PlannedMessage>& plan, const Collected& got) {
  const Arrivals a(got);
  size_t n = 0;
  for (const auto& m : plan) {
    if (m.bad ? a.failure_count(m.body) && a.dead_letter_count(m.body) : a.result_count(m.resource_id) > 0) ++n;
  }
  return n;
}

void Check::fail(const std::string& what) {
  if (++failures <= 5) examples.push_back(what);
}

Check& Verdict::check(const std::string& name) {
  for (auto& c : checks) {
    if (c.name == name) return c;
  }
  checks.push_back({name, 0, {}});
  return checks.back();
}

bool Verdict::pass() const {
  for (const auto& c : checks) {
    if (c.failures) return false;
  }
  return true;
}

Verdict judge(const std::vector<PlannedMessage>& plan, const Collected& got, const std::vector<ports::JobRecord>& jobs,
              const std::filesystem::path& output_root, bool instance_killed) {
  Verdict v;
  // Named up front so the report lists every check, passed or not, in this order.
  for (const char* name : {"every good message: exactly one result",
                           "every result: COMPLETED, its file_path, a manifest in the output bucket",
                           "no good message failed", "every bad message: exactly one failure notification",
                           "every failure notification: the expected error",
                           "every bad message: exactly one dead letter with the original body",
                           "no unexpected messages"}) {
    v.check(name);
  }
  const Arrivals a(got);
  for (const auto& m : plan) {
    if (m.bad) judge_bad(v, m, a);
    else judge_good(v, m, a, output_root);
  }
  judge_unexpected(v, plan, got, a);
  judge_completed_jobs(v, plan, got, jobs);
  judge_other_jobs(v, plan, jobs, instance_killed);
  if (!instance_killed) v.check("database: no job left unfinished");
  return v;
}

}  // namespace ve::soak

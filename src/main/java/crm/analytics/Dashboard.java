package crm.analytics;

import crm.auth.Permission;
import crm.bus.Addresses;
import crm.bus.Bus;
import crm.bus.Check;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.config.AnalyticsConfig;
import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * GET /analytics/dashboard and /analytics/agents, read from the rollups: the scope's all-time totals and its UTC day
 * documents that the requested days (in the requested time zone) touch, each quarter-hour slot added to the local day
 * and hour it falls in. No message, conversation or ticket is read.
 *
 * <p>The period: {@code dateFrom}..{@code dateTo} (local dates, inclusive, at most 366 days) when either is given
 * (dateTo defaults to today, dateFrom to 29 days before dateTo), else the last 30 days including today. Counts of
 * conversations and tickets are of those created in the period when one is given, else of all; the response time,
 * the response rate and the charts are always over the period; {@code todayCount} and {@code totalToday} are today's.
 */
final class Dashboard {
  static final int MAX_DAYS = 366;
  static final int DEFAULT_DAYS = 30;

  private final AnalyticsStore store;
  private final Bus bus;
  private final AnalyticsConfig config;
  private final java.time.Clock clock;
  /** Completes once the rollups are counted (fails with SERVICE_UNAVAILABLE while they are being rebuilt). */
  private final java.util.function.Supplier<Future<Void>> ready;

  Dashboard(AnalyticsStore store, Bus bus, AnalyticsConfig config, java.time.Clock clock,
            java.util.function.Supplier<Future<Void>> ready) {
    this.ready = ready;
    this.store = store;
    this.bus = bus;
    this.config = config;
    this.clock = clock;
  }

  /** The period asked for, checked. */
  record Period(ZoneId zone, LocalDate from, LocalDate to, boolean given, LocalDate today, long now) {
    long startMs() {
      return from.atStartOfDay(zone).toInstant().toEpochMilli();
    }

    long endMs() { // exclusive
      return to.plusDays(1).atStartOfDay(zone).toInstant().toEpochMilli();
    }

    List<LocalDate> days() {
      List<LocalDate> out = new ArrayList<>();
      for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) out.add(d);
      return out;
    }

    JsonObject toJson(long windowMs) {
      return new JsonObject().put("dateFrom", from.toString()).put("dateTo", to.toString()).put("timeZone", zone.getId())
          .put("responseWindowMinutes", windowMs / 60_000);
    }
  }

  Period period(JsonObject body) {
    String tz = Check.optionalString(body, "tz", 64);
    if (tz != null && !AnalyticsConfig.isZone(tz)) {
      throw CrmException.validation("tz", "tz must be an IANA time zone such as America/Mexico_City or UTC");
    }
    ZoneId zone = ZoneId.of(tz != null ? tz : config.timeZone());
    long now = clock.millis();
    LocalDate today = Instant.ofEpochMilli(now).atZone(zone).toLocalDate();
    LocalDate from = date(body, "dateFrom");
    LocalDate to = date(body, "dateTo");
    boolean given = from != null || to != null;
    if (to == null) to = from != null && from.isAfter(today) ? from : today;
    if (from == null) from = to.minusDays(DEFAULT_DAYS - 1);
    if (from.isAfter(to)) throw CrmException.validation("dateFrom", "dateFrom is after dateTo");
    if (ChronoUnit.DAYS.between(from, to) + 1 > MAX_DAYS) {
      throw CrmException.validation("dateFrom", "the period is longer than " + MAX_DAYS + " days");
    }
    return new Period(zone, from, to, given, today, now);
  }

  private static LocalDate date(JsonObject body, String field) {
    String s = Check.optionalString(body, field, 40);
    if (s == null || s.isBlank()) return null;
    if (!s.matches("^\\d{4}-\\d{2}-\\d{2}$")) throw CrmException.validation(field, field + " must be a date like 2026-01-31");
    try {
      LocalDate d = LocalDate.parse(s);
      if (d.getYear() < 1970) throw CrmException.validation(field, field + " must be 1970 or later");
      return d;
    } catch (DateTimeParseException e) {
      throw CrmException.validation(field, field + " is not a date: " + s);
    }
  }

  /** Everything one scope's rollups say about a period, added up. */
  static final class Sums {
    final long[] period = new long[Rollup.N];
    final long[] today = new long[Rollup.N];
    final Map<LocalDate, Long> conversationsByDay = new LinkedHashMap<>();
    final long[] responseSum = new long[24];
    final long[] responseN = new long[24];
    /** Customer messages whose window has closed (slot end + window <= now), and the answered-in-window of the rest. */
    long judgedCustomer;
    long recentInWindow;

    long p(int counter) {
      return period[counter];
    }

    long t(int counter) {
      return today[counter];
    }
  }

  /** The ids of the documents a scope needs for a period: its totals, and the UTC days the period and today touch. */
  static Set<String> docIds(String scope, Period p) {
    Set<String> ids = new LinkedHashSet<>();
    ids.add(Slots.totalsDoc(scope));
    utcDays(ids, scope, p.startMs(), p.endMs());
    utcDays(ids, scope, p.today().atStartOfDay(p.zone()).toInstant().toEpochMilli(),
        p.today().plusDays(1).atStartOfDay(p.zone()).toInstant().toEpochMilli());
    return ids;
  }

  private static void utcDays(Set<String> ids, String scope, long startMs, long endMs) {
    for (LocalDate d = Slots.utcDate(startMs); !d.isAfter(Slots.utcDate(endMs - 1)); d = d.plusDays(1)) {
      ids.add(Slots.dayDoc(scope, d));
    }
  }

  /** Adds up the day documents of one scope into the period's local days and hours. */
  static Sums sum(String scope, Map<String, Rollup> docs, Period p, long windowMs) {
    Sums sums = new Sums();
    for (LocalDate d : p.days()) sums.conversationsByDay.put(d, 0L);
    long fromDay = p.from().toEpochDay(), toDay = p.to().toEpochDay(), today = p.today().toEpochDay();
    java.time.zone.ZoneRules rules = p.zone().getRules();
    String prefix = "d:" + scope + ":";
    for (Map.Entry<String, Rollup> e : docs.entrySet()) {
      if (!e.getKey().startsWith(prefix)) continue;
      LocalDate utcDay = LocalDate.parse(e.getKey().substring(prefix.length()));
      Rollup r = e.getValue();
      long first = Slots.firstSlot(utcDay);
      long dayStartSec = utcDay.toEpochDay() * 86_400;
      // the zone's offset, once per day unless it changes that day (a daylight-saving switch)
      int startOffset = rules.getOffset(Instant.ofEpochSecond(dayStartSec)).getTotalSeconds();
      boolean constant = startOffset == rules.getOffset(Instant.ofEpochSecond(dayStartSec + 86_399)).getTotalSeconds();
      for (int i = 0; i < Slots.PER_DAY; i++) {
        if (!r.present[i]) continue;
        long startSec = dayStartSec + i * (Slots.SLOT_MS / 1000);
        long localSec = startSec + (constant ? startOffset : rules.getOffset(Instant.ofEpochSecond(startSec)).getTotalSeconds());
        long localDay = Math.floorDiv(localSec, 86_400);
        int at = i * Rollup.N;
        if (localDay == today) add(sums.today, r.values, at);
        if (localDay < fromDay || localDay > toDay) continue;
        add(sums.period, r.values, at);
        long conversations = r.values[at + Rollup.CO] + r.values[at + Rollup.CA] + r.values[at + Rollup.CR] + r.values[at + Rollup.CX];
        if (conversations != 0) sums.conversationsByDay.merge(LocalDate.ofEpochDay(localDay), conversations, Long::sum);
        int hour = (int) (Math.floorMod(localSec, 86_400) / 3600);
        sums.responseSum[hour] += r.values[at + Rollup.RS];
        sums.responseN[hour] += r.values[at + Rollup.RN];
        if (Slots.startMs(first + i) + Slots.SLOT_MS + windowMs <= p.now()) sums.judgedCustomer += r.values[at + Rollup.CM];
        else sums.recentInWindow += r.values[at + Rollup.AW];
      }
    }
    return sums;
  }

  private static void add(long[] into, long[] values, int at) {
    for (int k = 0; k < Rollup.N; k++) into[k] += values[at + k];
  }


  static double round2(double v) {
    return Math.round(v * 100) / 100d;
  }

  /** sum / n / unit, 0 when n is 0. */
  static double average(long sum, long n, double unit) {
    return n == 0 ? 0 : round2(sum / (double) n / unit);
  }

  // ---- the requests

  private record Caller(String agentId, boolean team) {}

  private static Caller caller(JsonObject body) {
    JsonObject c = body.getJsonObject("caller");
    if (c == null || c.getString("agentId") == null) throw CrmException.validation("caller", "caller is required");
    boolean team = c.getJsonArray("permissions", new JsonArray()).contains(Permission.READ_ANALYTICS);
    return new Caller(c.getString("agentId"), team);
  }

  /** {caller, dateFrom?, dateTo?, tz?, agentId?} -> DashboardStats. */
  Future<JsonObject> dashboard(JsonObject body) {
    Caller caller = caller(body);
    Period p = period(body);
    String agentId = Check.optionalString(body, "agentId", 64);
    if (agentId != null && !Mongo.isObjectId(agentId)) throw CrmException.validation("agentId", "agentId must be an agent id");
    if (!caller.team() && agentId != null && !agentId.equals(caller.agentId())) {
      throw new CrmException(ErrorCode.AUTH_INSUFFICIENT_PERMISSIONS, "Agents see their own numbers only", "agentId", null);
    }
    String agent = caller.team() ? agentId : caller.agentId();
    String scope = agent == null ? Deltas.TEAM : Deltas.agent(agent);
    long windowMs = config.responseWindowMinutes() * 60_000L;
    Future<Map<String, Rollup>> docs = ready.get().compose(v -> store.rollupsCached(docIds(scope, p)));
    Future<JsonObject> roster = bus.request(Addresses.AGENT_ROSTER, new JsonObject());
    return Future.all(docs, roster).map(all -> {
      Map<String, Rollup> found = docs.result();
      Sums s = sum(scope, found, p, windowMs);
      Rollup totals = found.get(Slots.totalsDoc(scope));
      java.util.function.IntToLongFunction count = c -> p.given() ? s.p(c) : totals == null ? 0 : totals.total(c);
      long open = count.applyAsLong(Rollup.CO);
      long assigned = count.applyAsLong(Rollup.CA);
      long resolved = count.applyAsLong(Rollup.CR) + count.applyAsLong(Rollup.CX);
      long ticketsOpen = count.applyAsLong(Rollup.TA);
      long ticketsDone = count.applyAsLong(Rollup.TD);
      double rate;
      if (agent == null) {
        long judged = s.judgedCustomer + s.recentInWindow;
        rate = judged == 0 ? 0 : round2(100.0 * s.p(Rollup.AW) / judged);
      } else {
        rate = s.p(Rollup.AB) == 0 ? 0 : round2(100.0 * s.p(Rollup.AW) / s.p(Rollup.AB));
      }
      JsonArray overTime = new JsonArray();
      s.conversationsByDay.forEach((d, n) -> overTime.add(new JsonObject().put("date", d.toString()).put("count", n)));
      JsonArray byHour = new JsonArray();
      for (int h = 0; h < 24; h++) {
        byHour.add(new JsonObject().put("hour", h).put("averageTime", average(s.responseSum[h], s.responseN[h], 60_000)));
      }
      JsonObject out = new JsonObject()
          .put("conversations", new JsonObject().put("total", open + assigned + resolved).put("open", open)
              .put("assigned", assigned).put("resolved", resolved)
              .put("todayCount", s.t(Rollup.CO) + s.t(Rollup.CA) + s.t(Rollup.CR) + s.t(Rollup.CX)))
          .put("messages", new JsonObject().put("totalToday", s.t(Rollup.MT))
              .put("averageResponseTime", average(s.p(Rollup.RS), s.p(Rollup.RN), 60_000))
              .put("responseRate", rate))
          .put("tickets", new JsonObject().put("total", ticketsOpen + ticketsDone).put("open", ticketsOpen)
              .put("resolved", ticketsDone)
              .put("averageResolutionTime", average(count.applyAsLong(Rollup.TS), count.applyAsLong(Rollup.TN), 3_600_000)))
          .put("agents", presence(roster.result()))
          .put("charts", new JsonObject().put("conversationsOverTime", overTime).put("responseTimesByHour", byHour))
          .put("scope", agent == null ? "team" : "agent")
          .put("period", p.toJson(windowMs));
      if (agent != null) out.put("agentId", agent);
      return out;
    });
  }

  /** Active agents: online, busy, and how many there are (the status presence keeps, cluster-wide). */
  private static JsonObject presence(JsonObject roster) {
    long online = 0, busy = 0, total = 0;
    for (Object o : roster.getJsonArray("agents", new JsonArray())) {
      JsonObject a = (JsonObject) o;
      if (!a.getBoolean("isActive", false)) continue;
      total++;
      if ("online".equals(a.getString("status"))) online++;
      else if ("busy".equals(a.getString("status"))) busy++;
    }
    return new JsonObject().put("online", online).put("busy", busy).put("total", total);
  }

  /** {caller, dateFrom?, dateTo?, tz?} -> {agents:[...], period}: one row per agent, over the period. */
  Future<JsonObject> agents(JsonObject body) {
    caller(body);
    Period p = period(body);
    long windowMs = config.responseWindowMinutes() * 60_000L;
    return ready.get().compose(v -> bus.request(Addresses.AGENT_ROSTER, new JsonObject())).compose(roster -> {
      List<JsonObject> agents = roster.getJsonArray("agents", new JsonArray()).stream().map(o -> (JsonObject) o).toList();
      Set<String> ids = new LinkedHashSet<>();
      for (JsonObject a : agents) ids.addAll(docIds(Deltas.agent(a.getString("_id")), p));
      return store.rollupsCached(ids).map(found -> {
        JsonArray rows = new JsonArray();
        for (JsonObject a : agents) {
          String id = a.getString("_id");
          Sums s = sum(Deltas.agent(id), found, p, windowMs);
          rows.add(new JsonObject().put("agentId", id)
              .put("name", (a.getString("firstName", "") + " " + a.getString("lastName", "")).strip())
              .put("firstName", a.getString("firstName")).put("lastName", a.getString("lastName"))
              .put("role", a.getString("role")).put("status", a.getString("status")).put("isActive", a.getBoolean("isActive", false))
              .put("conversationsHandled", s.p(Rollup.HC))
              .put("averageFirstResponseTime", average(s.p(Rollup.RS), s.p(Rollup.RN), 60_000))
              .put("averageResolutionTime", average(s.p(Rollup.TS), s.p(Rollup.TN), 3_600_000))
              .put("csat", (Object) null)
              .put("repliesSent", s.p(Rollup.MT))
              .put("responseRate", s.p(Rollup.AB) == 0 ? 0 : round2(100.0 * s.p(Rollup.AW) / s.p(Rollup.AB)))
              .put("ticketsResolved", s.p(Rollup.TD)));
        }
        return new JsonObject().put("agents", rows).put("period", p.toJson(windowMs));
      });
    });
  }


  static LocalDate utc(long ms) {
    return Instant.ofEpochMilli(ms).atOffset(ZoneOffset.UTC).toLocalDate();
  }
}

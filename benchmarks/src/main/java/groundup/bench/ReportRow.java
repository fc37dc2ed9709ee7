package groundup.bench;

import java.util.Map;

/** A row of the report: the benchmark key (without backend) and its figure per backend. */
record ReportRow(String group, String key, Map<String, Figure> byBackend, double flopsOrBytes, String ceilingKind) {}

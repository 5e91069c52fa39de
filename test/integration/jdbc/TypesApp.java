import java.sql.*;
import java.util.*;

/**
 * Every column of a table through pgjdbc: read as text (simple protocol) and binary (server-
 * prepared), printed as "mode.column=value"; then written back through parameters
 * (setObject of what getObject returned) into a copy the test compares on the host.
 */
public class TypesApp {
    public static void main(String[] args) throws Exception {
        String url = "jdbc:postgresql://127.0.0.1:" + args[0] + "/memory";
        String table = args[2];
        String[] casts = args[3].split(";");
        for (String mode : new String[] {"text", "binary"}) {
            Properties props = new Properties();
            props.setProperty("user", "duckdb");
            props.setProperty("password", args[1]);
            // -1: every statement server-prepared, results in binary where pgjdbc can read it.
            // 0: unnamed statements only, results in text.
            props.setProperty("prepareThreshold", mode.equals("binary") ? "-1" : "0");
            try (Connection c = DriverManager.getConnection(url, props);
                 PreparedStatement ps = c.prepareStatement("SELECT * FROM " + table + " ORDER BY 1 NULLS LAST");
                 ResultSet rs = ps.executeQuery()) {
                ResultSetMetaData md = rs.getMetaData();
                int n = md.getColumnCount();
                List<Object[]> rows = new ArrayList<>();
                while (rs.next()) {
                    Object[] row = new Object[n];
                    for (int i = 1; i <= n; i++) {
                        String s = rs.getString(i);
                        if (rows.isEmpty()) {
                            System.out.println(mode + "." + md.getColumnName(i) + "=" + s);
                        }
                        try {
                            // java.time keeps what java.sql.Time/Date lose (microseconds, year 1).
                            switch (md.getColumnType(i)) {
                                case Types.DATE: row[i - 1] = rs.getObject(i, java.time.LocalDate.class); break;
                                case Types.TIME: row[i - 1] = rs.getObject(i, java.time.LocalTime.class); break;
                                case Types.TIMESTAMP:
                                    row[i - 1] = md.getColumnTypeName(i).equals("timestamptz")
                                        ? rs.getObject(i, java.time.OffsetDateTime.class)
                                        : rs.getObject(i, java.time.LocalDateTime.class);
                                    break;
                                default: row[i - 1] = rs.getObject(i);
                            }
                        } catch (SQLException e) {
                            // pgjdbc looks types outside its built-in list (interval, uuid) up
                            // in pg_catalog, which comes with the catalog work: use the text.
                            row[i - 1] = s;
                        }
                    }
                    rows.add(row);
                }
                StringBuilder marks = new StringBuilder();
                for (int i = 0; i < n; i++) {
                    marks.append(i == 0 ? "" : ", ").append("CAST(? AS ").append(casts[i]).append(")");
                }
                try (PreparedStatement ins = c.prepareStatement(
                        "INSERT INTO " + table + "_" + mode + " VALUES (" + marks + ")")) {
                    for (Object[] row : rows) {
                        for (int i = 0; i < n; i++) {
                            if (row[i] instanceof java.sql.Array) {
                                java.sql.Array a = (java.sql.Array) row[i];
                                ins.setArray(i + 1, c.createArrayOf(a.getBaseTypeName(), (Object[]) a.getArray()));
                            } else {
                                ins.setObject(i + 1, row[i]);
                            }
                        }
                        ins.addBatch();
                    }
                    ins.executeBatch();
                }
            }
        }
    }
}

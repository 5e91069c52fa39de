import java.math.BigDecimal;
import java.sql.*;
import java.util.*;

/** What an application does with pgjdbc; prints one line per check, "name=value". */
public class JdbcApp {
    public static void main(String[] args) throws Exception {
        String url = "jdbc:postgresql://127.0.0.1:" + args[0] + "/memory";
        Properties props = new Properties();
        props.setProperty("user", "duckdb");
        props.setProperty("password", args[1]);
        props.setProperty("prepareThreshold", "2");  // server-side prepared statements early
        try (Connection c = DriverManager.getConnection(url, props)) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE jdbc_items (id integer PRIMARY KEY, name varchar(50) NOT NULL, price double precision, qty bigint, created timestamp, amount decimal(12,3), ok boolean, day date)");
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO jdbc_items VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                for (int i = 1; i <= 5; i++) {
                    ps.setInt(1, i);
                    ps.setString(2, "item " + i);
                    ps.setDouble(3, i * 1.25);
                    ps.setLong(4, 10_000_000_000L * i);
                    ps.setTimestamp(5, Timestamp.valueOf("2024-01-0" + i + " 10:11:12.5"));
                    ps.setBigDecimal(6, new BigDecimal("123.456").multiply(BigDecimal.valueOf(i)));
                    ps.setBoolean(7, i % 2 == 0);
                    ps.setDate(8, java.sql.Date.valueOf("2024-02-0" + i));
                    ps.addBatch();
                }
                int[] counts = ps.executeBatch();
                System.out.println("batch=" + Arrays.toString(counts));
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT id, name, price, qty, created, amount, ok, day FROM jdbc_items WHERE id >= ? ORDER BY id")) {
                for (int round = 0; round < 3; round++) {  // crosses prepareThreshold: binary transfer
                    ps.setInt(1, 4);
                    try (ResultSet rs = ps.executeQuery()) {
                        StringBuilder sb = new StringBuilder();
                        while (rs.next()) {
                            sb.append(rs.getInt(1)).append('|').append(rs.getString(2)).append('|').append(rs.getDouble(3))
                              .append('|').append(rs.getLong(4)).append('|').append(rs.getTimestamp(5)).append('|')
                              .append(rs.getBigDecimal(6)).append('|').append(rs.getBoolean(7)).append('|').append(rs.getDate(8)).append(';');
                        }
                        System.out.println("select" + round + "=" + sb);
                    }
                }
            }
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.setFetchSize(3);
                int n = 0;
                try (ResultSet rs = s.executeQuery("SELECT i FROM range(10) t(i)")) {
                    while (rs.next()) n++;
                }
                System.out.println("fetched=" + n);
                s.execute("DELETE FROM jdbc_items");
                c.rollback();
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM jdbc_items")) {
                    rs.next();
                    System.out.println("after_rollback=" + rs.getLong(1));
                }
            }
            c.setAutoCommit(true);
            try (Statement s = c.createStatement()) {
                s.setQueryTimeout(1);
                try {
                    s.executeQuery("SELECT count(*) FROM range(1000000000000) t(i) WHERE hash(i) = 0");
                    System.out.println("timeout=none");
                } catch (SQLException e) {
                    System.out.println("timeout=" + e.getSQLState());
                }
            }
            try (Statement s = c.createStatement()) {
                try {
                    s.executeQuery("SELECT * FROM jdbc_missing");
                } catch (SQLException e) {
                    System.out.println("missing=" + e.getSQLState());
                }
                try (ResultSet rs = s.executeQuery("SELECT 'still usable'")) {
                    rs.next();
                    System.out.println("after_error=" + rs.getString(1));
                }
            }
            // CopyManager: COPY FROM STDIN and TO STDOUT, as bulk loaders use it.
            org.postgresql.copy.CopyManager copy = c.unwrap(org.postgresql.PGConnection.class).getCopyAPI();
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE jdbc_copy (id integer, name varchar, amount decimal(10,2))");
            }
            StringBuilder csv = new StringBuilder();
            for (int i = 1; i <= 10000; i++) {
                csv.append(i).append(",\"name, ").append(i).append("\",").append(i).append(".25\n");
            }
            long loaded = copy.copyIn("COPY jdbc_copy FROM STDIN (FORMAT csv)", new java.io.StringReader(csv.toString()));
            System.out.println("copy_in=" + loaded);
            java.io.StringWriter written = new java.io.StringWriter();
            long out = copy.copyOut("COPY (SELECT * FROM jdbc_copy WHERE id <= 2 ORDER BY id) TO STDOUT (FORMAT csv, HEADER)", written);
            System.out.println("copy_out=" + out + ":" + written.toString().replace("\n", "/"));
            try {
                copy.copyIn("COPY jdbc_copy FROM STDIN (FORMAT csv)", new java.io.StringReader("1,a,1\n2,b,oops\n"));
                System.out.println("copy_bad=loaded");
            } catch (SQLException e) {
                System.out.println("copy_bad=" + e.getSQLState());
            }
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*), sum(amount) FROM jdbc_copy")) {
                rs.next();
                System.out.println("copy_total=" + rs.getLong(1) + "|" + rs.getBigDecimal(2));
            }
        }
    }
}

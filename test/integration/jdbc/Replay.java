import java.nio.file.*;
import java.sql.*;
import java.util.*;

/**
 * Replays a tool's catalog queries (test/integration/replays/*.sql) through pgjdbc as the tool
 * runs them: each block a prepared statement with its parameters bound, every value of every
 * row read with getObject (what a tool's result grid does). Prints one line per block:
 * name TAB ok TAB columns TAB rows (rows ";"-joined, values "|"-joined), or name TAB error TAB
 * SQLSTATE TAB message. Exits 0 either way: the test decides what must hold. "{db}" in a block
 * (its text or a bound value) is the database connected to.
 *
 * usage: Replay PORT USER PASSWORD DATABASE FILE [URL_PARAMETERS]   (e.g. sslmode=require)
 */
public class Replay {
    record Block(String name, List<String[]> binds, String sql) {}

    static List<Block> blocks(String text) {
        List<Block> out = new ArrayList<>();
        String name = null;
        List<String[]> binds = new ArrayList<>();
        StringBuilder sql = new StringBuilder();
        for (String line : (text + "\n-- name: <end>").split("\n")) {
            if (line.startsWith("-- name: ")) {
                if (name != null) out.add(new Block(name, binds, sql.toString().strip()));
                name = line.substring(9).strip();
                binds = new ArrayList<>();
                sql = new StringBuilder();
            } else if (line.startsWith("-- bind: ")) {
                binds.add(line.substring(9).strip().split(" ", 2));
            } else if (name != null) {
                sql.append(line).append('\n');
            }
        }
        return out;
    }

    /** "@ns main" / "@rel orders": the OID as the tool would have read it from the catalog. */
    static long oid(Connection c, String ref) throws SQLException {
        String[] parts = ref.split(" ", 2);
        String q = parts[0].equals("@ns") || parts[0].equals("ns")
            ? "SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = ?"
            : "SELECT oid FROM pg_catalog.pg_class WHERE relname = ?";
        try (PreparedStatement s = c.prepareStatement(q)) {
            s.setString(1, parts[1]);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) throw new SQLException("no OID for " + ref);
                return rs.getLong(1);
            }
        }
    }

    static String cell(Object value) {
        if (value == null) return "NULL";
        if (value instanceof Array a) {
            try {
                return Arrays.deepToString((Object[]) a.getArray());
            } catch (SQLException e) {
                return "<array: " + e.getSQLState() + ">";
            }
        }
        return value.toString().replace('\n', ' ').replace('\t', ' ');
    }

    public static void main(String[] args) throws Exception {
        String parameters = args.length > 5 && !args[5].isEmpty() ? "?" + args[5] : "";
        String url = "jdbc:postgresql://127.0.0.1:" + args[0] + "/" + args[3] + parameters;
        String text = Files.readString(Path.of(args[4]));
        try (Connection c = DriverManager.getConnection(url, args[1], args[2])) {
            for (Block b : blocks(text)) {
                StringBuilder line = new StringBuilder(b.name()).append('\t');
                try {
                    String sql = b.sql().replace("{db}", args[3]);
                    while (sql.contains("{rel:")) {
                        int at = sql.indexOf("{rel:"), end = sql.indexOf('}', at);
                        sql = sql.substring(0, at) + oid(c, "@rel " + sql.substring(at + 5, end)) + sql.substring(end + 1);
                    }
                    try (PreparedStatement s = c.prepareStatement(sql)) {
                        int i = 1;
                        for (String[] bind : b.binds()) {
                            switch (bind[0]) {
                                case "long" -> s.setLong(i, bind[1].startsWith("@") ? oid(c, bind[1]) : Long.parseLong(bind[1]));
                                case "int" -> s.setInt(i, Integer.parseInt(bind[1]));
                                default -> s.setString(i, bind[1].replace("{db}", args[3]));
                            }
                            i++;
                        }
                        if (!s.execute()) {
                            line.append("ok\t\t").append(s.getUpdateCount());
                        } else {
                            try (ResultSet rs = s.getResultSet()) {
                                ResultSetMetaData md = rs.getMetaData();
                                List<String> names = new ArrayList<>();
                                for (int k = 1; k <= md.getColumnCount(); k++) names.add(md.getColumnLabel(k));
                                StringJoiner rows = new StringJoiner(";");
                                while (rs.next()) {
                                    StringJoiner row = new StringJoiner("|");
                                    for (int k = 1; k <= md.getColumnCount(); k++) row.add(cell(rs.getObject(k)));
                                    rows.add(row.toString());
                                }
                                line.append("ok\t").append(String.join(",", names)).append('\t').append(rows);
                            }
                        }
                    }
                } catch (SQLException e) {
                    line.append("error\t").append(e.getSQLState()).append('\t').append(cell(e.getMessage()));
                    if (!c.getAutoCommit()) c.rollback();
                }
                System.out.println(line);
            }
        }
    }
}

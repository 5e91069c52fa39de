import java.sql.*;

/** DatabaseMetaData as DBeaver, DataGrip and Metabase call it on connect; prints key=value. */
public class MetaApp {
    static String rows(ResultSet rs, String... columns) throws SQLException {
        StringBuilder out = new StringBuilder();
        while (rs.next()) {
            for (String c : columns) out.append(rs.getString(c)).append(',');
            out.append(';');
        }
        return out.toString();
    }

    public static void main(String[] args) throws Exception {
        String url = "jdbc:postgresql://127.0.0.1:" + args[0] + "/memory";
        try (Connection c = DriverManager.getConnection(url, "duckdb", args[1])) {
            DatabaseMetaData m = c.getMetaData();
            System.out.println("product=" + m.getDatabaseProductName() + " " + m.getDatabaseMajorVersion());
            System.out.println("catalogs=" + rows(m.getCatalogs(), "TABLE_CAT"));
            System.out.println("schemas=" + rows(m.getSchemas(), "TABLE_SCHEM"));
            System.out.println("tables=" + rows(m.getTables(null, "main", "%", new String[] {"TABLE", "VIEW"}), "TABLE_NAME", "TABLE_TYPE", "REMARKS"));
            System.out.println("columns=" + rows(m.getColumns(null, "main", "customers", "%"), "COLUMN_NAME", "TYPE_NAME", "DATA_TYPE", "NULLABLE", "COLUMN_DEF"));
            System.out.println("pk=" + rows(m.getPrimaryKeys(null, "main", "orders"), "COLUMN_NAME", "PK_NAME"));
            System.out.println("fk=" + rows(m.getImportedKeys(null, "main", "orders"), "PKTABLE_NAME", "PKCOLUMN_NAME", "FKCOLUMN_NAME"));
            System.out.println("index=" + rows(m.getIndexInfo(null, "main", "orders", false, false), "INDEX_NAME", "COLUMN_NAME", "NON_UNIQUE"));
            ResultSet types = m.getTypeInfo();
            int n = 0;
            while (types.next()) n++;
            System.out.println("typeinfo_over_20=" + (n > 20));
            System.out.println("keywords_over_100=" + (m.getSQLKeywords().split(",").length > 100));
            System.out.println("functions=" + rows(m.getFunctions(null, "main", "add_%"), "FUNCTION_NAME"));
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id, name, balance FROM customers")) {
                ResultSetMetaData md = rs.getMetaData();
                System.out.println("rsmd=" + md.getColumnName(1) + ":" + md.getColumnTypeName(1) + ","
                    + md.getColumnName(3) + ":" + md.getColumnTypeName(3) + ":" + md.getPrecision(3) + ":" + md.getScale(3));
            }
        }
    }
}

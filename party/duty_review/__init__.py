"""书记抓基层党建工作述职评议考核 (secretaries' yearly report and appraisal on party building)."""

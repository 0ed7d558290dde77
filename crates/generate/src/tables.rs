//! Fixed vocabularies behind the generator: city sets, well-known
//! institutions per city, discipline keywords, names and titles.
//!
//! Pure data; [`super`] draws from it. Nothing here is random.

/// The Yangtze mid-reaches shared pool: four capitals and four smaller
/// cities, with Zipf-like weights (武汉 about twenty times 黄石).
pub(crate) const YANGTZE: &[(&str, f64)] = &[
    ("武汉", 1.0),
    ("长沙", 0.55),
    ("合肥", 0.5),
    ("南昌", 0.3),
    ("九江", 0.07),
    ("岳阳", 0.06),
    ("安庆", 0.05),
    ("黄石", 0.05),
];

/// The 光谷 (Optics Valley) corridor east of 武汉.
pub(crate) const GUANGGU: &[(&str, f64)] = &[
    ("武汉", 1.0),
    ("黄石", 0.12),
    ("黄冈", 0.1),
    ("咸宁", 0.08),
    ("鄂州", 0.06),
];

/// Five cities of the dense benchmark presets.
pub(crate) const DENSE5: &[(&str, f64)] = &[
    ("武汉", 1.0),
    ("长沙", 0.55),
    ("合肥", 0.5),
    ("南昌", 0.3),
    ("岳阳", 0.08),
];

/// A national pool (NSFC scale), by rough research weight (rank-Zipf).
pub(crate) const NATIONAL: &[&str] = &[
    "北京",
    "上海",
    "南京",
    "武汉",
    "西安",
    "广州",
    "成都",
    "杭州",
    "合肥",
    "长沙",
    "天津",
    "哈尔滨",
    "沈阳",
    "济南",
    "重庆",
    "长春",
    "大连",
    "厦门",
    "兰州",
    "昆明",
    "郑州",
    "福州",
    "南昌",
    "太原",
    "石家庄",
    "贵阳",
    "南宁",
    "乌鲁木齐",
    "呼和浩特",
    "海口",
    "银川",
    "西宁",
];

/// Well-known universities and institutes per city, biggest first.
pub(crate) fn named_institutions(city: &str) -> &'static [&'static str] {
    match city {
        "武汉" => &[
            "武汉大学",
            "华中科技大学",
            "武汉理工大学",
            "华中师范大学",
            "中国地质大学(武汉)",
            "华中农业大学",
            "中南财经政法大学",
            "湖北大学",
            "武汉科技大学",
            "中国科学院武汉物理与数学研究所",
        ],
        "长沙" => &[
            "中南大学",
            "湖南大学",
            "国防科技大学",
            "湖南师范大学",
            "长沙理工大学",
            "中南林业科技大学",
            "湖南农业大学",
        ],
        "合肥" => &[
            "中国科学技术大学",
            "合肥工业大学",
            "安徽大学",
            "中国科学院合肥物质科学研究院",
            "安徽医科大学",
            "安徽农业大学",
        ],
        "南昌" => &[
            "南昌大学",
            "江西财经大学",
            "江西师范大学",
            "华东交通大学",
            "南昌航空大学",
            "江西农业大学",
        ],
        "黄石" => &["湖北师范大学", "湖北理工学院"],
        "岳阳" => &["湖南理工学院"],
        "安庆" => &["安庆师范大学"],
        "九江" => &["九江学院"],
        "鄂州" => &["鄂州职业大学"],
        "黄冈" => &["黄冈师范学院"],
        "咸宁" => &["湖北科技学院"],
        "北京" => &[
            "清华大学",
            "北京大学",
            "北京航空航天大学",
            "中国科学院计算技术研究所",
        ],
        "上海" => &["上海交通大学", "复旦大学", "同济大学"],
        "南京" => &["南京大学", "东南大学", "南京航空航天大学"],
        "西安" => &["西安交通大学", "西安电子科技大学", "西北工业大学"],
        "广州" => &["中山大学", "华南理工大学"],
        "成都" => &["四川大学", "电子科技大学"],
        "杭州" => &["浙江大学", "杭州电子科技大学"],
        "天津" => &["天津大学", "南开大学"],
        "哈尔滨" => &["哈尔滨工业大学", "哈尔滨工程大学"],
        _ => &[],
    }
}

/// Kinds of generated small units: name suffix and the title ladder used there.
pub(crate) const UNIT_KINDS: &[(&str, TitleLadder)] = &[
    ("研究所", TitleLadder::Institute),
    ("医院", TitleLadder::Hospital),
    ("设计研究院", TitleLadder::Industry),
    ("技术中心", TitleLadder::Industry),
];

/// Which set of titles an institution awards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TitleLadder {
    /// professor / associate professor / lecturer
    University,
    /// 研究员 / 副研究员 / 助理研究员
    Institute,
    /// 主任医师 / 副主任医师 / 主治医师
    Hospital,
    /// 正高级工程师 / 高级工程师 / 工程师
    Industry,
}

impl TitleLadder {
    /// The ladder an institution's name implies.
    pub(crate) fn of_name(name: &str) -> TitleLadder {
        if name.ends_with("研究所") || name.ends_with("研究院") && !name.ends_with("设计研究院")
        {
            TitleLadder::Institute
        } else if name.ends_with("医院") {
            TitleLadder::Hospital
        } else if name.ends_with("设计研究院") || name.ends_with("技术中心") {
            TitleLadder::Industry
        } else {
            TitleLadder::University
        }
    }

    /// Senior, mid and junior titles.
    pub fn titles(self) -> [&'static str; 3] {
        match self {
            TitleLadder::University => ["professor", "associate professor", "lecturer"],
            TitleLadder::Institute => ["研究员", "副研究员", "助理研究员"],
            TitleLadder::Hospital => ["主任医师", "副主任医师", "主治医师"],
            TitleLadder::Industry => ["正高级工程师", "高级工程师", "工程师"],
        }
    }
}

/// NSFC department letters used for discipline codes, in order: information
/// sciences first (F01..F07 with the default seven fields), then others.
pub(crate) const DEPARTMENT_LETTERS: &[char] = &['F', 'E', 'A', 'B', 'C', 'D', 'G', 'H'];

/// Relative popularity of F01..F07 (applications and experts alike).
pub(crate) const F_POPULARITY: &[f64] = &[1.0, 1.3, 0.9, 0.7, 0.8, 1.2, 0.5];

/// Keyword vocabularies of F01..F07, neighbouring words close in meaning so
/// that overlapping windows give neighbouring subfields shared keywords.
pub(crate) const F_VOCAB: &[&[&str]] = &[
    // F01 电子学与信息系统
    &[
        "信号处理",
        "阵列信号",
        "雷达",
        "合成孔径雷达",
        "电磁场",
        "天线",
        "微波",
        "太赫兹",
        "无线通信",
        "信道编码",
        "信息论",
        "频谱感知",
        "卫星导航",
        "物联网",
        "图像处理",
        "语音处理",
        "声学",
        "生物电子学",
    ],
    // F02 计算机科学
    &[
        "操作系统",
        "编译",
        "程序分析",
        "形式化验证",
        "软件工程",
        "数据库",
        "存储系统",
        "分布式系统",
        "云计算",
        "并行计算",
        "计算机体系结构",
        "图计算",
        "算法设计",
        "密码学",
        "网络安全",
        "隐私保护",
        "区块链",
        "人机交互",
    ],
    // F03 自动化
    &[
        "控制理论",
        "鲁棒控制",
        "自适应控制",
        "预测控制",
        "最优控制",
        "系统辨识",
        "故障诊断",
        "过程控制",
        "智能制造",
        "机器人",
        "无人机",
        "多智能体",
        "导航制导",
        "传感器网络",
        "电力系统",
        "交通控制",
        "模式识别",
    ],
    // F04 半导体科学与信息器件
    &[
        "半导体材料",
        "宽禁带半导体",
        "氮化镓",
        "碳化硅",
        "功率器件",
        "射频电路",
        "集成电路设计",
        "芯片",
        "存储器件",
        "量子器件",
        "光电器件",
        "传感器",
        "MEMS",
        "微纳加工",
        "柔性电子",
        "封装技术",
    ],
    // F05 光学和光电子学
    &[
        "激光",
        "超快光学",
        "非线性光学",
        "量子光学",
        "光谱学",
        "成像光学",
        "光电探测",
        "激光雷达",
        "光学传感",
        "光纤通信",
        "光通信",
        "集成光子学",
        "微纳光子学",
        "光子晶体",
        "显示技术",
        "太阳能电池",
    ],
    // F06 人工智能
    &[
        "机器学习",
        "深度学习",
        "强化学习",
        "联邦学习",
        "图神经网络",
        "可解释性",
        "大模型",
        "自然语言处理",
        "知识图谱",
        "语音识别",
        "计算机视觉",
        "多模态学习",
        "自动驾驶",
        "智能决策",
        "推荐系统",
        "数据挖掘",
        "类脑计算",
    ],
    // F07 交叉学科中的信息科学
    &[
        "生物信息",
        "计算生物学",
        "医学影像",
        "智慧医疗",
        "脑机接口",
        "量子计算",
        "量子通信",
        "遥感",
        "地理信息",
        "智慧城市",
        "环境监测",
        "海洋信息",
        "农业信息化",
        "金融科技",
        "教育技术",
        "社会计算",
    ],
];

/// Common surnames, most frequent first.
pub(crate) const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "魏",
];

/// Characters for given names.
pub(crate) const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "英", "华", "文", "辉", "建", "国", "志", "红", "玲", "斌",
    "宇", "浩", "凯", "鹏", "晨", "欣", "雪", "琳", "晓", "峰", "博", "然", "翔", "颖", "婷", "帆",
    "毅", "睿", "卫", "东", "海", "波", "亮", "阳", "琦", "昊", "嘉", "宁",
];

/// Application title patterns: `{0}` and `{1}` are two of its keywords.
pub(crate) const TITLE_PATTERNS: &[(&str, &str, &str)] = &[
    ("面向", "的", "关键技术研究"),
    ("基于", "的", "方法研究"),
    ("", "与", "的理论与应用"),
    ("", "中的", "问题研究"),
    ("", "驱动的", "新机理研究"),
];

/// Reasons given for declared conflicts.
pub(crate) const CONFLICT_REASONS: &[&str] = &[
    "师生关系",
    "近三年合作",
    "同一项目组",
    "亲属关系",
    "declared",
];
